//! Two-step sign-in: after the password check, Authsignal decides whether the customer must
//! also complete a challenge. The state machine:
//!
//! ```text
//! password ok ──track signIn──▶ ALLOW ─────────────▶ signed in
//!                          ├──▶ CHALLENGE_REQUIRED ─▶ pending (session) ─▶ pre-built UI
//!                          │                              └─ /signin/complete?token
//!                          │                                   ├ valid CHALLENGE_SUCCEEDED, same
//!                          │                                   │ user, action and key ─▶ signed in
//!                          │                                   └ anything else ─▶ /signin + message
//!                          ├──▶ BLOCK / other ──────▶ refused with a message
//!                          └──▶ unreachable ────────▶ enrolled (as last known): refused (fail closed)
//!                                                     not enrolled: signed in
//! ```

use authsignal::{ActionState, TrackRequest, ValidateChallengeRequest};

use super::events::EventKind;
use super::now_unix;
use super::request_context::RequestContext;
use super::views::method_words;
use crate::api::AppError;
use crate::server::session::{PendingSignIn, TypedSession};
use crate::server::state::AppState;
use crate::server::users::User;

pub const ACTION: &str = "signIn";
/// A pending sign-in must be completed within this many seconds.
pub const PENDING_TTL_SECS: i64 = 10 * 60;

pub const UNAVAILABLE: &str = "Two-step sign-in is temporarily unavailable. Please try again in a few minutes.";
pub const BLOCKED: &str = "For your security, this sign-in was blocked. If this keeps happening, please contact support.";
pub const NOT_VERIFIED: &str = "We couldn't verify it's you, so you're not signed in. Please sign in again.";
pub const EXPIRED: &str = "Your sign-in expired or was already completed. Please sign in again.";

/// What the password step leads to.
#[derive(Debug)]
pub enum Outcome {
    /// Sign the customer in now.
    SignedIn,
    /// Send the browser to the pre-built UI's challenge.
    Challenge { url: String },
    /// Refuse, with a message for the sign-in form.
    Refused(&'static str),
}

/// Runs the second step for a customer whose password was right.
pub async fn begin(state: &AppState, session: &TypedSession, user: &User, context: RequestContext, next: &str) -> Result<Outcome, AppError> {
    let idempotency_key = super::random_hex();
    let request = TrackRequest {
        redirect_url: Some(format!("{}/signin/complete", state.settings.origin())),
        device_id: Some(context.device_id),
        user_agent: context.user_agent,
        ip_address: context.ip_address,
        idempotency_key: Some(idempotency_key.clone()),
        ..TrackRequest::default()
    };
    let response = match state.authsignal.track(&user.id, ACTION, &request).await {
        Ok(response) => response,
        Err(e) => {
            tracing::warn!(error = %e, "Authsignal unreachable during sign-in");
            // Fail closed unless Authsignal last told us nothing is enrolled: never skip a
            // second step that may exist (unknown counts as enrolled).
            return Ok(if user.two_step_enrolled() == Some(false) {
                record(state, &user.id, "Signed in with password (two-step check unavailable; nothing enrolled)").await;
                Outcome::SignedIn
            } else {
                Outcome::Refused(UNAVAILABLE)
            });
        }
    };
    if user.two_step_enrolled() != Some(response.is_enrolled) {
        state.users.set_two_step_enrolled(&user.id, response.is_enrolled).await;
    }
    match response.state {
        ActionState::Allow => {
            record(state, &user.id, "Signed in with password").await;
            Ok(Outcome::SignedIn)
        }
        ActionState::ChallengeRequired if response.url.starts_with("http://") || response.url.starts_with("https://") => {
            let pending = PendingSignIn {
                user_id: user.id.clone(),
                idempotency_key: if response.idempotency_key.is_empty() { idempotency_key } else { response.idempotency_key },
                next: next.to_string(),
                started_at: now_unix(),
            };
            session.set_pending_sign_in(&pending).await?;
            Ok(Outcome::Challenge { url: response.url })
        }
        ActionState::Block => {
            record(state, &user.id, "Sign-in blocked").await;
            Ok(Outcome::Refused(BLOCKED))
        }
        other => {
            tracing::warn!(state = %other, "sign-in refused: unexpected action state");
            Ok(Outcome::Refused(NOT_VERIFIED))
        }
    }
}

/// Completes a pending sign-in from the pre-built UI's `?token=`: the user id to sign in, and
/// where to go, or the message to show on the sign-in form.
pub async fn complete(state: &AppState, session: &TypedSession, token: Option<String>) -> Result<Result<(String, String), &'static str>, AppError> {
    // Taken, not read: whatever happens next, this pending sign-in is used up.
    let Some(pending) = session.take_pending_sign_in().await? else {
        return Ok(Err(EXPIRED));
    };
    if now_unix() - pending.started_at > PENDING_TTL_SECS {
        return Ok(Err(EXPIRED));
    }
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(Err(NOT_VERIFIED));
    };
    let request = ValidateChallengeRequest::for_user_action(token, pending.user_id.clone(), ACTION);
    match state.authsignal.validate_challenge(&request).await {
        Ok(result)
            if result.succeeded_for(&pending.user_id, ACTION)
                && result.idempotency_key.as_deref() == Some(pending.idempotency_key.as_str()) =>
        {
            let method = result.verification_method.as_ref().map(method_words).unwrap_or_else(|| "an authenticator".into());
            record(state, &pending.user_id, &format!("Signed in with password and {method}")).await;
            Ok(Ok((pending.user_id, pending.next)))
        }
        Ok(result) => {
            tracing::info!(state = ?result.state, "two-step sign-in refused by validation");
            record(state, &pending.user_id, "A sign-in was refused: the second step wasn't completed").await;
            Ok(Err(NOT_VERIFIED))
        }
        Err(e) => {
            tracing::warn!(error = %e, "validating a sign-in challenge failed");
            Ok(Err(UNAVAILABLE))
        }
    }
}

async fn record(state: &AppState, user_id: &str, what: &str) {
    state.events.record(user_id, EventKind::SignIn, what).await;
}
