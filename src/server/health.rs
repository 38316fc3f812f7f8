//! `/healthz` (the process serves) and `/readyz` (it can do its job: database and session
//! store answer; whether Authsignal answers is reported but does not fail readiness, because
//! the shop keeps selling when only the security settings are unavailable).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::server::state::AppState;

/// Each check gets this long; a load balancer polls often and must not pile up requests.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The user id `/readyz` asks Authsignal about (never a customer's: theirs start with `usr_`).
const PROBE_USER: &str = "storefront-readiness-probe";

/// However often `/readyz` is polled, Authsignal is asked at most this often.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// The last answer about Authsignal's reachability, shared by concurrent `/readyz` calls
/// (the lock is held across the one upstream call, so a burst makes one call).
#[derive(Clone, Default)]
pub struct AuthsignalProbe(Arc<tokio::sync::Mutex<Option<LastProbe>>>);

/// When Authsignal was last asked, and what came of it.
type LastProbe = (Instant, Result<(), String>);

impl AuthsignalProbe {
    async fn check(&self, client: &authsignal::Client) -> Result<(), String> {
        let mut last = self.0.lock().await;
        if let Some((at, result)) = last.as_ref() {
            if at.elapsed() < PROBE_EVERY {
                return result.clone();
            }
        }
        let result = within(async {
            client
                .get_user(PROBE_USER)
                .await
                .map(|_| ())
                .map_err(|e| in_our_words(&e))
        })
        .await;
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// What went wrong, in our words: upstream text (which an upstream controls) is never echoed.
fn in_our_words(error: &authsignal::Error) -> String {
    let words = if error.is_unauthorized() {
        "the secret key was refused"
    } else {
        match error {
            authsignal::Error::Timeout => "no answer in time",
            authsignal::Error::Connection { .. } => "unreachable",
            authsignal::Error::Api { status, .. } if *status == 429 => "rate limited",
            authsignal::Error::Api { status, .. } if *status >= 500 => "server error",
            _ => "unexpected answer",
        }
    };
    words.to_string()
}

pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    database: Check,
    sessions: Check,
    /// Informational: Authsignal down means "unavailable" on the account page, not "not ready".
    authsignal: Check,
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    backend: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Check {
    fn from(backend: Option<&'static str>, result: Result<(), String>) -> Check {
        match result {
            Ok(()) => Check {
                ok: true,
                backend,
                error: None,
            },
            Err(error) => Check {
                ok: false,
                backend,
                error: Some(error),
            },
        }
    }
}

async fn within(
    check: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), String> {
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err("no answer within 2 s".into()))
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let (database, sessions, authsignal) = tokio::join!(
        within(async {
            crate::server::db::ping(&state.pool)
                .await
                .map_err(|_| "unreachable".to_string())
        }),
        within(state.sessions.ping()),
        // A read of a user that never exists: proves the network path and the secret key.
        state.authsignal_probe.check(&state.authsignal),
    );
    let backend = crate::server::db::Backend::of(secrecy::ExposeSecret::expose_secret(
        &state.settings.database_url,
    ));
    let report = Readiness {
        ready: database.is_ok() && sessions.is_ok(),
        database: Check::from(backend.map(crate::server::db::Backend::name), database),
        sessions: Check::from(
            Some(state.sessions.describe()),
            sessions.map_err(|_| "unreachable".to_string()),
        ),
        authsignal: Check::from(None, authsignal),
    };
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}
