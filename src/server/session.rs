//! The typed session: the only place that knows the session's keys.

use tower_sessions::Session;

use serde::{Deserialize, Serialize};

use crate::api::security::{NoticeTone, SecurityNotice};
use crate::api::session::{FormName, FormState};
use crate::api::AppError;

/// A wrapper over the tower-sessions session with one method per thing we keep in it.
#[derive(Clone)]
pub struct TypedSession(pub Session);

const USER_ID: &str = "user_id";
const SIGN_UP_FORM: &str = "form.sign_up";
const SIGN_IN_FORM: &str = "form.sign_in";
const PENDING_LAUNCH: &str = "security.pending_launch";
const VERIFIED_AT: &str = "security.verified_at";
const SECURITY_NOTICE: &str = "security.notice";
const PENDING_SIGN_IN: &str = "sign_in.pending";

/// A password check that passed, waiting for the Authsignal challenge. The customer is not
/// signed in while this exists; it lives in the session, never in a URL.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: String,
    pub idempotency_key: String,
    /// Where to go once signed in (already checked to be on this site).
    pub next: String,
    /// Unix seconds.
    pub started_at: i64,
}

/// What the customer went to the pre-built UI for; the return is checked against it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchPurpose {
    Settings,
    Remove { authenticator_id: String },
}

/// A launch of the pre-built UI that has not come back yet (one per session).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLaunch {
    pub action: String,
    pub purpose: LaunchPurpose,
    pub idempotency_key: String,
    pub url: String,
    /// Unix seconds.
    pub launched_at: i64,
}

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

impl TypedSession {
    pub async fn pending_launch(&self) -> Result<Option<PendingLaunch>, AppError> {
        self.0.get(PENDING_LAUNCH).await.map_err(store_failed)
    }

    pub async fn set_pending_launch(&self, launch: &PendingLaunch) -> Result<(), AppError> {
        self.0.insert(PENDING_LAUNCH, launch).await.map_err(store_failed)
    }

    /// Takes the pending launch: a token can complete it once.
    pub async fn take_pending_launch(&self) -> Result<Option<PendingLaunch>, AppError> {
        self.0.remove(PENDING_LAUNCH).await.map_err(store_failed)
    }

    /// When the customer last completed an Authsignal challenge (unix seconds).
    pub async fn verified_at(&self) -> Result<Option<i64>, AppError> {
        self.0.get(VERIFIED_AT).await.map_err(store_failed)
    }

    pub async fn set_verified_at(&self, at: i64) -> Result<(), AppError> {
        self.0.insert(VERIFIED_AT, at).await.map_err(store_failed)
    }

    pub async fn set_notice(&self, tone: NoticeTone, message: impl Into<String>) -> Result<(), AppError> {
        let notice = SecurityNotice { tone, message: message.into() };
        self.0.insert(SECURITY_NOTICE, notice).await.map_err(store_failed)
    }

    pub async fn take_notice(&self) -> Result<Option<SecurityNotice>, AppError> {
        self.0.remove(SECURITY_NOTICE).await.map_err(store_failed)
    }
}

impl TypedSession {
    pub async fn set_pending_sign_in(&self, pending: &PendingSignIn) -> Result<(), AppError> {
        self.0.insert(PENDING_SIGN_IN, pending).await.map_err(store_failed)
    }

    /// Takes the pending sign-in: one token can complete it once.
    pub async fn take_pending_sign_in(&self) -> Result<Option<PendingSignIn>, AppError> {
        self.0.remove(PENDING_SIGN_IN).await.map_err(store_failed)
    }
}
