//! The state every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::SqlitePool;

use super::config::Settings;
use super::users::UserStore;
use crate::api::AppError;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub pool: SqlitePool,
    pub users: UserStore,
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
