//! Fault injection for the API (only routed when test hooks are on): latency, error
//! statuses, garbage bodies and dropped connections, per route or for all of them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::state::AppState;
use crate::wire::{json, json_bytes, ApiError, ApiJson};

/// Route names a fault can target; `*` is every one of them.
const ROUTES: [&str; 7] = [
    "getUser",
    "getAuthenticators",
    "track",
    "validate",
    "enroll",
    "deleteAuthenticator",
    "*",
];
const STATUSES: [u16; 3] = [429, 500, 503];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FaultSpec {
    pub route: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default)]
    pub malformed_body: bool,
    #[serde(default)]
    pub drop_connection: bool,
    /// How many requests it applies to; absent means until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

#[derive(Default)]
pub(crate) struct Faults {
    by_route: Mutex<HashMap<String, FaultSpec>>,
}

impl Faults {
    fn set(&self, spec: FaultSpec) {
        self.lock().insert(spec.route.clone(), spec);
    }

    fn clear(&self) {
        self.lock().clear();
    }

    fn list(&self) -> Vec<FaultSpec> {
        self.lock().values().cloned().collect()
    }

    /// The fault for this request, if any, counting it against `times`.
    fn take(&self, route: &str) -> Option<FaultSpec> {
        let mut faults = self.lock();
        let key = if faults.contains_key(route) {
            route
        } else {
            "*"
        };
        let spec = faults.get_mut(key)?;
        let taken = spec.clone();
        if let Some(times) = spec.times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                faults.remove(key);
            }
        }
        Some(taken)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, FaultSpec>> {
        self.by_route
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Which fault route an API request is, from its method and matched path pattern.
fn route_name(method: &Method, matched_path: &str) -> Option<&'static str> {
    let name = if matched_path.ends_with("/users/{user_id}") && method == Method::GET {
        "getUser"
    } else if matched_path.ends_with("/users/{user_id}/authenticators") {
        match *method {
            Method::GET => "getAuthenticators",
            Method::POST => "enroll",
            _ => return None,
        }
    } else if matched_path.ends_with("/authenticators/{authenticator_id}")
        && method == Method::DELETE
    {
        "deleteAuthenticator"
    } else if matched_path.ends_with("/actions/{action}") && method == Method::POST {
        "track"
    } else if matched_path.ends_with("/validate") && method == Method::POST {
        "validate"
    } else {
        return None;
    };
    Some(name)
}

/// Middleware on the API routes (also counts calls for `/_test/stats` when hooks are on).
pub(crate) async fn inject(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let matched = request.extensions().get::<MatchedPath>();
    let route = matched.and_then(|matched| route_name(request.method(), matched.as_str()));
    if state.config.test_hooks {
        state.stats.record(match (route, matched) {
            (Some(route), _) => Cow::Borrowed(route),
            (None, Some(matched)) => {
                Cow::Owned(format!("{} {}", request.method(), matched.as_str()))
            }
            (None, None) => Cow::Borrowed("other"),
        });
    }
    let Some(fault) = route.and_then(|route| state.faults.take(route)) else {
        return next.run(request).await;
    };
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.drop_connection {
        return dropped_connection();
    }
    let status = fault.status.and_then(|s| StatusCode::from_u16(s).ok());
    if fault.malformed_body {
        return json_bytes(
            status.unwrap_or(StatusCode::OK),
            br#"{"state":"ALLOW","isEnrolled":tr<html>"#.to_vec(),
        );
    }
    match status {
        Some(StatusCode::TOO_MANY_REQUESTS) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests (injected fault).",
        )
        .into_response(),
        Some(status) => ApiError::new(
            status,
            "internal_error",
            "The sandbox is failing on purpose (injected fault).",
        )
        .into_response(),
        None => next.run(request).await,
    }
}

/// A response whose body fails at once, so the client sees the connection break
/// instead of an answer.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected dropped connection",
        ))
    });
    Response::new(Body::from_stream(failing))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/_faults",
        put(set_fault).delete(clear_faults).get(list_faults),
    )
}

async fn set_fault(State(state): State<AppState>, ApiJson(spec): ApiJson<FaultSpec>) -> Response {
    if !ROUTES.contains(&spec.route.as_str()) {
        return ApiError::invalid_request(format!("route must be one of {}.", ROUTES.join(", ")))
            .into_response();
    }
    if spec.status.is_some_and(|s| !STATUSES.contains(&s)) {
        return ApiError::invalid_request("status must be 429, 500 or 503.").into_response();
    }
    if spec.times == Some(0) {
        return ApiError::invalid_request(
            "times must be at least 1 (leave it out for \"until cleared\").",
        )
        .into_response();
    }
    tracing::info!(route = %spec.route, "fault injected");
    state.faults.set(spec.clone());
    json(StatusCode::OK, &spec)
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults.clear();
    json(StatusCode::OK, &json!({ "cleared": true }))
}

async fn list_faults(State(state): State<AppState>) -> Response {
    json(StatusCode::OK, &state.faults.list())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(route: &str, times: Option<u32>) -> FaultSpec {
        FaultSpec {
            route: route.into(),
            latency_ms: None,
            status: Some(503),
            malformed_body: false,
            drop_connection: false,
            times,
        }
    }

    #[test]
    fn a_specific_route_wins_over_the_wildcard_and_times_run_out() {
        let faults = Faults::default();
        faults.set(spec("*", None));
        faults.set(spec("track", Some(1)));
        assert_eq!(faults.take("track").map(|f| f.route), Some("track".into()));
        assert_eq!(faults.take("track").map(|f| f.route), Some("*".into()));
        faults.clear();
        assert!(faults.take("getUser").is_none());
    }

    #[test]
    fn routes_are_named_by_method_and_pattern() {
        assert_eq!(
            route_name(&Method::GET, "/sandbox/v1/users/{user_id}"),
            Some("getUser")
        );
        assert_eq!(route_name(&Method::PATCH, "/v1/users/{user_id}"), None);
        assert_eq!(
            route_name(&Method::POST, "/v1/users/{user_id}/authenticators"),
            Some("enroll")
        );
        assert_eq!(
            route_name(
                &Method::DELETE,
                "/v1/users/{user_id}/authenticators/{authenticator_id}"
            ),
            Some("deleteAuthenticator")
        );
        assert_eq!(
            route_name(&Method::POST, "/v1/users/{user_id}/actions/{action}"),
            Some("track")
        );
        assert_eq!(
            route_name(
                &Method::GET,
                "/v1/users/{user_id}/actions/{action}/{idempotency_key}"
            ),
            None
        );
        assert_eq!(route_name(&Method::POST, "/v1/validate"), Some("validate"));
    }
}
