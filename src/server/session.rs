//! The typed session: the only place that knows the session's keys.

use tower_sessions::Session;

use crate::api::session::{FormName, FormState};
use crate::api::AppError;

/// A wrapper over the tower-sessions session with one method per thing we keep in it.
#[derive(Clone)]
pub struct TypedSession(pub Session);

const USER_ID: &str = "user_id";
const SIGN_UP_FORM: &str = "form.sign_up";
const SIGN_IN_FORM: &str = "form.sign_in";

fn form_key(form: FormName) -> &'static str {
    match form {
        FormName::SignUp => SIGN_UP_FORM,
        FormName::SignIn => SIGN_IN_FORM,
    }
}

fn store_failed(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}

impl TypedSession {
    /// The session of the request a server function is handling.
    pub async fn extract() -> Result<TypedSession, AppError> {
        leptos_axum::extract::<Session>().await.map(TypedSession).map_err(|e| {
            tracing::error!(error = %e, "no session on the request (is the session layer installed?)");
            AppError::Internal
        })
    }

    pub async fn user_id(&self) -> Result<Option<String>, AppError> {
        self.0.get::<String>(USER_ID).await.map_err(store_failed)
    }

    /// The signed-in user's id, or `NotSignedIn`.
    pub async fn require_user_id(&self) -> Result<String, AppError> {
        self.user_id().await?.ok_or(AppError::NotSignedIn)
    }

    /// Signs `user_id` in under a fresh session id (defeats session fixation).
    pub async fn sign_in(&self, user_id: &str) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(store_failed)?;
        self.0.insert(USER_ID, user_id).await.map_err(store_failed)
    }

    /// Destroys the session, server side and cookie.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(store_failed)
    }

    pub async fn keep_form_state(&self, form: FormName, state: FormState) -> Result<(), AppError> {
        self.0.insert(form_key(form), state).await.map_err(store_failed)
    }

    pub async fn take_form_state(&self, form: FormName) -> Result<Option<FormState>, AppError> {
        self.0.remove::<FormState>(form_key(form)).await.map_err(store_failed)
    }
}
