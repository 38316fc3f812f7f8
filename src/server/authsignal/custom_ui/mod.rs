//! Authsignal's custom-UI path on the storefront's own pages, with JavaScript or without: the
//! server tracks the action (the one round trip's pending slot), keeps the token the Client API
//! takes in the session, calls the Client API for the customer, and completes the round trip
//! with the access token a verified code returns. The token never reaches the page.
//!
//! ```text
//! add:        /account ─POST start/send─▶ track addX ─▶ Client API enroll ─▶ add page (QR / code)
//!             add page ─POST verify─▶ Client API verify ─▶ round_trip::complete ─▶ /account
//! challenge:  sign-in/reset (custom) ─▶ /verify-its-you ─POST choose─▶ Client API challenge
//!             ─POST verify─▶ Client API verify ─▶ the same finish as the pre-built UI's return
//! ```

pub mod add;
pub mod challenge;
mod qr;

use authsignal::ChallengeToken;
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::model::security::NoticeTone;
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::round_trip::{self, Pending};
use crate::server::clock::now_unix;
use crate::server::sessions::{SessionKey, TypedSession};
use crate::server::state::AppState;

/// A resend is offered this long after the last code was sent.
pub const RESEND_AFTER_SECS: i64 = 30;

/// The in-place step this session is at: the Client API's token for the pending round trip,
/// and what was sent or shown so far. One at a time, like the round trip it belongs to.
#[derive(Clone, Serialize, Deserialize)]
pub struct InPlace {
    /// Ties the step to the round trip's pending launch: another launch ends it.
    pub idempotency_key: String,
    pub user_id: String,
    /// The track token (a bearer credential for the Client API): kept in the server-side
    /// session only.
    pub token: String,
    pub step: Step,
}

#[derive(Clone, Serialize, Deserialize)]
pub enum Step {
    /// Adding an authenticator app: the secret and its `otpauth://` URI, pending a code.
    AppSecret { uri: String, secret: String },
    /// A code was sent to `address` (email or E.164 number) at `sent_at`.
    CodeSent { address: String, sent_at: i64 },
    /// Sign-in's or reset's second step: the method chosen, if any, and when its code went.
    Challenge {
        method: Option<crate::model::custom_ui::ChallengeMethod>,
        /// Where the code went, masked ("a•••@example.com").
        sent_to: Option<String>,
        sent_at: Option<i64>,
    },
}

impl InPlace {
    pub fn token(&self) -> ChallengeToken {
        ChallengeToken::new(self.token.clone())
    }

    /// Seconds before another code may be sent (0: now).
    pub fn resend_in(sent_at: i64) -> u64 {
        (sent_at + RESEND_AFTER_SECS - now_unix()).max(0) as u64
    }
}

// Manual, so no log line can ever print the token or the secret.
impl std::fmt::Debug for InPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlace")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

const IN_PLACE: SessionKey<InPlace> = SessionKey::new("authsignal.in_place");

impl TypedSession {
    /// The in-place step with its pending launch, while both are alive and belong together.
    pub async fn in_place(&self) -> Result<Option<(InPlace, Pending)>, AppError> {
        let Some(step) = self.get(&IN_PLACE).await? else {
            return Ok(None);
        };
        let pending = self.pending_round_trip().await?;
        // Alive while its launch is: the same idempotency key, within the token's life.
        match pending {
            Some(p) if p.is_alive() && p.idempotency_key == step.idempotency_key => {
                Ok(Some((step, p)))
            }
            _ => {
                self.take(&IN_PLACE).await?;
                Ok(None)
            }
        }
    }

    pub async fn set_in_place(&self, step: &InPlace) -> Result<(), AppError> {
        self.put(&IN_PLACE, step).await
    }

    /// Ends the in-place step, leaving its launch for the finish that completes it.
    pub async fn take_in_place(&self) -> Result<(), AppError> {
        self.take(&IN_PLACE).await.map(drop)
    }

    /// Ends the in-place step and the launch it belongs to.
    pub async fn end_in_place(&self) -> Result<(), AppError> {
        self.take(&IN_PLACE).await?;
        self.take_pending_round_trip().await?;
        Ok(())
    }
}

/// Authsignal's binding rule, the one place it is applied (passkeys and the methods here): a
/// first authenticator needs no challenge; adding to an enrolled account needs one completed in
/// the last 10 minutes, which the token's `add:authenticators` scope then carries.
pub async fn may_add_now(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
) -> Result<bool, AppError> {
    if round_trip::verified_recently(state, session, user_id).await? {
        return Ok(true);
    }
    match state.authsignal.get_user(user_id).await {
        Ok(user) => Ok(!user.is_enrolled),
        Err(e) => {
            tracing::warn!(error = %e, "Authsignal unavailable while preparing to add an authenticator");
            Err(AppError::SecurityUnavailable)
        }
    }
}

/// An authenticator was added in place (a verified code or the Web SDK's ceremony) and its
/// launch validated: enrolled from now on, the change is this browser's, the activity names
/// it (from the webhook when they are on) and the account page says so.
pub async fn finish_added(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
    started_at: i64,
    added: &str,
) -> Result<(), AppError> {
    state.users.remember_enrollment(user_id, true, None).await;
    state.users.end_change(user_id).await;
    // With webhooks on, `authenticator.created` writes the line (and the receipt): waited for
    // a moment, so the account page the customer lands on shows it.
    if state.settings.webhooks_on() {
        state.events.wait_for_change(user_id, started_at).await;
    } else {
        let line = format!("Added {added}");
        state.events.record(user_id, EventKind::Return, &line).await;
    }
    session
        .set_notice(NoticeTone::Success, format!("{added} was added."))
        .await
}

/// A one-time code as people type it ("123 456"): 6 to 8 digits, else `None`.
pub fn code_of(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    ((6..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// The forms of the add pages and of the second-step page (behind sessions).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::ADD_METHOD_STEP, post(add::step))
        .route(routes::VERIFY_ITS_YOU_STEP, post(challenge::step))
}

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn a_code_is_six_to_eight_digits_however_it_was_typed() {
        assert_eq!(code_of(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(code_of("123-456").as_deref(), Some("123456"));
        for bad in ["", "12345", "123456789", "12345a", "１２３４５６"] {
            assert_eq!(code_of(bad), None, "{bad:?}");
        }
    }
}
