//! `/healthz` (the process serves) and `/readyz` (it can do its job: database and session
//! store answer; whether Authsignal answers is reported but does not fail readiness, because
//! the shop keeps selling when only the security settings are unavailable).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::server::clock::within;
use crate::server::state::AppState;

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

/// Liveness and readiness, for load balancers.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(crate::routes::HEALTHZ, get(healthz))
        .route(crate::routes::READYZ, get(readyz))
}
