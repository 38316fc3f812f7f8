//! Getting an account back: "Forgot password?" mails a single-use reset link; the link sets a
//! new password once an enrolled customer has also passed an Authsignal challenge (track
//! `resetPassword`, failing closed like sign-in); "This wasn't me" in a receipt signs the
//! account out everywhere and leads to the same reset. A reset ends every session.
//!
//! ```text
//! /forgot-password ──mail──▶ /reset-password?token ──POST──track resetPassword──▶ ALLOW (not enrolled) ─▶ reset
//!                                                                       ├──▶ CHALLENGE ─▶ pre-built UI ─▶ /reset-password/return ─▶ reset
//!                                                                       └──▶ down / BLOCK / enrolled ALLOW ─▶ refused, nothing changed
//! receipt ─▶ /not-me?token ──POST──▶ every session ends ─▶ /reset-password?token (fresh link)
//! ```

mod forgot;
mod not_me;
pub mod reset;
pub mod tokens;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::model::session::{FormName, FormState};
use crate::routes;
use crate::server::state::AppState;
use crate::server::web::error::PageError;

pub use forgot::forgot_password;
pub use not_me::not_me;
pub use reset::{reset_password, reset_password_return};
use tokens::LinkPurpose;

/// Forgot password, the reset link's form and its return, and "this wasn't me".
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::FORGOT_PASSWORD, post(forgot_password))
        .route(routes::RESET_PASSWORD, post(reset_password))
        .route(routes::RESET_PASSWORD_RETURN, get(reset_password_return))
        .route(routes::NOT_ME, post(not_me))
}

/// Back to the forgot-password form with `error` (and the email typed, if any).
fn back_to_forgot(state: &AppState, error: &str, email: &str) -> Response {
    let kept = FormState {
        error: error.to_string(),
        email: email.to_string(),
        name: String::new(),
    };
    let back = routes::FORGOT_PASSWORD.into();
    state
        .form_cookies
        .refuse(FormName::ForgotPassword, kept, back)
}

/// Back to the reset form of `token` with `error`.
fn back_to_reset(state: &AppState, error: &str, token: &str) -> Response {
    let kept = FormState {
        error: error.to_string(),
        ..FormState::default()
    };
    let back = format!("{}?token={}", routes::RESET_PASSWORD, url_safe(token));
    state
        .form_cookies
        .refuse(FormName::ResetPassword, kept, back)
}

/// Tokens are hex; anything else is dropped rather than echoed into a URL.
fn url_safe(token: &str) -> &str {
    if token.len() <= 128 && token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        token
    } else {
        ""
    }
}

/// Ends every session of the customer under a new security stamp.
async fn sign_out_everywhere(state: &AppState, user_id: &str) -> Result<(), PageError> {
    state.users.rotate_security_stamp(user_id).await?;
    let ended = state.sessions.end_sessions_of(user_id, None).await?;
    tracing::info!(user_id = %user_id, sessions_ended = ended, "signed out everywhere");
    Ok(())
}

/// A sign-in whose password was checked just before the stamp changed may store its session
/// just after the sweep: look again once such a request has surely finished. Each look keeps
/// sessions under the stamp current then (a later reset may have rotated it again).
fn sweep_again(state: &AppState, user_id: &str) {
    let (sessions, users, user_id) = (
        state.sessions.clone(),
        state.users.clone(),
        user_id.to_string(),
    );
    tokio::spawn(async move {
        for wait in [5, 30] {
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            let stamp = match users.find_by_id(&user_id).await {
                Ok(Some(user)) => user.security_stamp,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, "reading the stamp for a sweep failed");
                    continue;
                }
            };
            let Some(stamp) = stamp else { return };
            match sessions
                .end_sessions_with_stale_stamp(&user_id, &stamp)
                .await
            {
                Ok(0) => {}
                Ok(n) => {
                    tracing::warn!(user_id = %user_id, ended = n, "a sign-in from before the reset was ended")
                }
                Err(e) => tracing::error!(error = %e, "sweeping sessions after a reset failed"),
            }
        }
    });
}

/// Whether a link in the address bar can still be used (for the pages, before the form).
pub async fn link_usable(state: &AppState, token: &str, purpose: LinkPurpose) -> bool {
    match tokens::peek(&state.pool, token, purpose).await {
        Ok(found) => found.is_some(),
        Err(e) => {
            tracing::error!(error = %e, "checking a link failed");
            false
        }
    }
}
