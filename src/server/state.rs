//! The state every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::AnyPool;

use crate::model::AppError;
use crate::server::accounts::limits::SignInLimits;
use crate::server::activity::log::SecurityEvents;
use crate::server::config::Settings;
use crate::server::sessions::store::SessionBackend;
use crate::server::users::UserStore;

/// Cloned for every render and server function: one pointer, not a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl From<Shared> for AppState {
    fn from(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

/// Leptos' file and error handler takes the site options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub pool: AnyPool,
    /// Where sessions live (for `/readyz`; the session layer holds its own handle).
    pub sessions: SessionBackend,
    pub sign_in_limits: SignInLimits,
    /// Carries a refused form's typed values back to it (signed cookie, nothing stored).
    pub form_cookies: crate::server::web::form_cookie::FormCookies,
    /// `/readyz`'s remembered answer about Authsignal (asked at most every few seconds).
    pub authsignal_probe: crate::server::authsignal::probe::AuthsignalProbe,
    /// Authsignal's "now", which the verification window is measured on.
    pub authsignal_clock: crate::server::authsignal::clock::AuthsignalClock,
    pub users: UserStore,
    pub events: SecurityEvents,
    /// Receipts and reset links (queued in the database, sent by a worker).
    pub mailer: crate::server::mail::Mailer,
    /// The one Authsignal client (pooled connections), pointed at the sandbox or the tenant.
    pub authsignal: authsignal::Client,
}

impl AppState {
    /// The state a server function or page render runs with (provided by `leptos_routes_with_context`).
    pub fn from_context() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            AppError::Internal
        })
    }
}
