//! Fault injection for the API (only routed when test hooks are on): latency, error
//! statuses, garbage bodies and dropped connections, per route or for all of them.

use std::borrow::Cow;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use serde_json::json;

use crate::state::{AppState, FaultSpec};
use crate::wire::{json, json_bytes, ApiError, ApiJson};

/// Server API route names a fault can target (the official SDKs' names for the calls), the
/// webhook deliveries, and `*`: every Server API and [`CLIENT_ROUTES`] route.
const ROUTES: [&str; 8] = [
    "getUser",
    "getAuthenticators",
    "track",
    "validate",
    "enroll",
    "deleteAuthenticator",
    // Webhook deliveries: latency only (each delivery waits that long before it is sent).
    "webhooks",
    "*",
];
/// Client API route names: the method and the route's path below the API base, as the
/// Web SDK's requests show them (the path doesn't depend on where the sandbox is mounted).
const CLIENT_ROUTES: [&str; 15] = [
    "GET /client/user-authenticators",
    "GET /client/user-authenticators/passkey",
    "POST /client/user-authenticators/passkey",
    "POST /client/user-authenticators/passkey/registration-options",
    "POST /client/user-authenticators/passkey/authentication-options",
    "POST /client/verify/passkey",
    "POST /client/challenge",
    "POST /client/user-authenticators/totp",
    "POST /client/verify/totp",
    "POST /client/user-authenticators/email-otp",
    "POST /client/challenge/email-otp",
    "POST /client/verify/email-otp",
    "POST /client/user-authenticators/sms",
    "POST /client/challenge/sms",
    "POST /client/verify/sms",
];
const STATUSES: [u16; 3] = [429, 500, 503];
/// The most latency a fault may add: enough for any client timeout, never a hook that holds
/// connections for ever.
const MAX_LATENCY_MS: u64 = 60_000;

/// Which fault route an API request is, from its method and matched path pattern.
fn route_name(method: &Method, matched_path: &str) -> Option<&'static str> {
    if let Some(at) = matched_path.find("/client/") {
        let name = format!("{method} {}", &matched_path[at..]);
        return CLIENT_ROUTES.iter().copied().find(|route| *route == name);
    }
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

/// Middleware on the Server API and Client API routes (also counts calls for `/_test/stats`
/// when hooks are on).
pub(crate) async fn inject(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let matched = request.extensions().get::<MatchedPath>();
    let route = matched.and_then(|matched| route_name(request.method(), matched.as_str()));
    debug_assert!(
        route.is_some() || !matched.is_some_and(|m| m.as_str().contains("/client/")),
        "a Client API route missing from CLIENT_ROUTES: {} {:?}",
        request.method(),
        matched.map(MatchedPath::as_str)
    );
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
    if !ROUTES.contains(&spec.route.as_str()) && !CLIENT_ROUTES.contains(&spec.route.as_str()) {
        return ApiError::invalid_request(format!(
            "route must be one of {}, {}.",
            ROUTES.join(", "),
            CLIENT_ROUTES.join(", ")
        ))
        .into_response();
    }
    if spec.status.is_some_and(|s| !STATUSES.contains(&s)) {
        return ApiError::invalid_request("status must be 429, 500 or 503.").into_response();
    }
    let only_latency = spec.status.is_none() && !spec.malformed_body && !spec.drop_connection;
    if spec.route == "webhooks" && !only_latency {
        return ApiError::invalid_request("the webhooks route takes latencyMs only.")
            .into_response();
    }
    if spec.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
        return ApiError::invalid_request(format!(
            "latencyMs must be at most {MAX_LATENCY_MS} (one minute)."
        ))
        .into_response();
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
        assert_eq!(
            route_name(&Method::POST, "/sandbox/v1/client/verify/email-otp"),
            Some("POST /client/verify/email-otp")
        );
        assert_eq!(
            route_name(&Method::GET, "/v1/client/user-authenticators/passkey"),
            Some("GET /client/user-authenticators/passkey")
        );
        assert_eq!(route_name(&Method::GET, "/v1/client/verify/sms"), None);
        assert_eq!(route_name(&Method::POST, "/v1/client/{*rest}"), None);
    }
}
