//! Two-step sign-in: after the password check, Authsignal decides whether the customer must
//! also complete a challenge. The round trip itself (pending slot, return, validation) is
//! `round_trip`'s; this file holds only the sign-in's decisions.
//!
//! ```text
//! password ok ──track signIn──▶ ALLOW, not enrolled ▶ signed in
//!                          ├──▶ ALLOW, enrolled ────▶ refused (STOREFRONT_ENROLLED_ALLOW=refuse, default)
//!                          │                          or signed in (=honour)
//!                          ├──▶ CHALLENGE_REQUIRED ─▶ pre-built UI ─▶ /signin/return (round_trip)
//!                          ├──▶ BLOCK ──────────────▶ refused: blocked
//!                          ├──▶ REVIEW_REQUIRED ────▶ refused: support will look at it
//!                          └──▶ unreachable ────────▶ enrolled (as last known): refused (fail closed)
//!                                                     not enrolled: signed in
//! ```

use authsignal::ActionState;

use super::events::EventKind;
use super::request_context::RequestContext;
use super::round_trip::{self, Purpose, Refusal, Started};
use crate::model::AppError;
use crate::server::config::EnrolledAllowPolicy;
use crate::server::session::TypedSession;
use crate::server::state::AppState;
use crate::server::users::User;

/// What the password step leads to.
#[derive(Debug)]
pub enum Outcome {
    /// Sign the customer in now.
    SignedIn,
    /// Send the browser to the pre-built UI's challenge.
    Challenge { url: String },
    /// Refuse, with the reason for the sign-in form.
    Refused(Refusal),
}

/// Runs the second step for a customer whose password was right.
pub async fn begin(
    state: &AppState,
    session: &TypedSession,
    user: &User,
    context: RequestContext,
    next: &str,
) -> Result<Outcome, AppError> {
    let purpose = Purpose::SignIn {
        next: next.to_string(),
        stamp: user.security_stamp.clone(),
    };
    let (decided, is_enrolled) =
        match round_trip::start(state, session, &user.id, purpose, &context).await? {
            Started::Go {
                url, is_enrolled, ..
            } => {
                remember_enrollment(state, user, is_enrolled).await;
                return Ok(Outcome::Challenge { url });
            }
            Started::Decided { state, is_enrolled } => (state, is_enrolled),
            // Fail closed unless Authsignal last told us nothing is enrolled: never skip a second
            // step that may exist (unknown counts as enrolled).
            Started::ProviderDown if user.two_step_enrolled() == Some(false) => {
                record(
                    state,
                    &user.id,
                    "Signed in with password (two-step check unavailable; nothing enrolled)",
                )
                .await;
                return Ok(Outcome::SignedIn);
            }
            Started::ProviderDown => return Ok(Outcome::Refused(Refusal::ProviderDown)),
        };
    remember_enrollment(state, user, Some(is_enrolled)).await;
    Ok(match decided {
        ActionState::Allow
            if is_enrolled && state.settings.enrolled_allow == EnrolledAllowPolicy::Refuse =>
        {
            tracing::error!(
                "Authsignal allowed an enrolled customer to sign in without a challenge: set the signIn action's default \
                 outcome to CHALLENGE (or add a rule that challenges enrolled users); sign-in refused (STOREFRONT_ENROLLED_ALLOW=refuse)"
            );
            record(
                state,
                &user.id,
                "A sign-in was refused: the second step was skipped by the security settings",
            )
            .await;
            Outcome::Refused(Refusal::ChallengeSkipped)
        }
        ActionState::Allow if is_enrolled => {
            record(
                state,
                &user.id,
                "Signed in with password (the security settings asked for no second step)",
            )
            .await;
            Outcome::SignedIn
        }
        ActionState::Allow => {
            record(state, &user.id, "Signed in with password").await;
            Outcome::SignedIn
        }
        ActionState::Block => {
            record(state, &user.id, "Sign-in blocked").await;
            Outcome::Refused(Refusal::Blocked)
        }
        ActionState::ReviewRequired => {
            record(
                state,
                &user.id,
                "A sign-in is waiting for a review by support",
            )
            .await;
            Outcome::Refused(Refusal::UnderReview)
        }
        other => {
            tracing::warn!(state = %other, "sign-in refused: unexpected action state");
            Outcome::Refused(Refusal::NotVerified)
        }
    })
}

/// Remembered for sign-in while Authsignal is down; written only when it changed.
async fn remember_enrollment(state: &AppState, user: &User, is_enrolled: Option<bool>) {
    if let Some(is_enrolled) = is_enrolled.filter(|now| user.two_step_enrolled() != Some(*now)) {
        state
            .users
            .set_two_step_enrolled(&user.id, is_enrolled)
            .await;
    }
}

async fn record(state: &AppState, user_id: &str, what: &str) {
    state.events.record(user_id, EventKind::SignIn, what).await;
}
