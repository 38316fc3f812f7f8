//! `/healthz` (the process serves) and `/readyz` (it can do its job: database and session
//! store answer; whether Authsignal answers is reported but does not fail readiness, because
//! the shop keeps selling when only the security settings are unavailable).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::state::AppState;

/// Each check gets this long; a load balancer polls often and must not pile up requests.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The user id `/readyz` asks Authsignal about (never a customer's: theirs start with `usr_`).
const PROBE_USER: &str = "storefront-readiness-probe";

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
            Ok(()) => Check { ok: true, backend, error: None },
            Err(error) => Check { ok: false, backend, error: Some(error) },
        }
    }
}

async fn within(check: impl std::future::Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::time::timeout(CHECK_TIMEOUT, check).await.unwrap_or_else(|_| Err("no answer within 2 s".into()))
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let (database, sessions, authsignal) = tokio::join!(
        within(async { super::db::ping(&state.pool).await.map_err(|_| "unreachable".to_string()) }),
        within(state.sessions.ping()),
        // A read of a user that never exists: proves the network path and the secret key.
        within(async { state.authsignal.get_user(PROBE_USER).await.map(|_| ()).map_err(|e| e.to_string()) }),
    );
    let backend = super::db::Backend::of(secrecy::ExposeSecret::expose_secret(&state.settings.database_url));
    let report = Readiness {
        ready: database.is_ok() && sessions.is_ok(),
        database: Check::from(backend.map(super::db::Backend::name), database),
        sessions: Check::from(Some(state.sessions.describe()), sessions.map_err(|_| "unreachable".to_string())),
        authsignal: Check::from(None, authsignal),
    };
    let status = if report.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(report)).into_response()
}
