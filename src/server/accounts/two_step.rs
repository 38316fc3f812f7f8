//! Two-step sign-in: after the password check, Authsignal decides whether the customer must
//! also complete a challenge. The round trip itself (pending slot, return, validation) is
//! `round_trip`'s; this file holds only the sign-in's decisions.
//!
//! ```text
//! password ok ──track signIn──▶ ALLOW, not enrolled ▶ signed in
//!                          ├──▶ ALLOW, enrolled ────▶ refused (STOREFRONT_ENROLLED_ALLOW=refuse, default)
//!                          │                          or signed in (=honour)
//!                          ├──▶ CHALLENGE_REQUIRED ─▶ pre-built UI ─▶ /signin/return (round_trip)
//!                          │                          or our own page (custom_ui::challenge)
//!                          ├──▶ BLOCK ──────────────▶ refused: blocked
//!                          ├──▶ REVIEW_REQUIRED ────▶ refused: support will look at it
//!                          └──▶ unreachable ────────▶ enrolled (as last known): refused (fail closed)
//!                                                     not enrolled: signed in
//! ```

use std::net::SocketAddr;

use authsignal::ActionState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

use crate::model::session::{FormName, FormState};
use crate::routes::{self, safe_next};
use crate::server::accounts::devices::sign_in_with_password;
use crate::server::authsignal::round_trip::returns::ReturnQuery;
use crate::server::authsignal::round_trip::{complete, Completion, Verified};
use crate::server::authsignal::views::method_words;
use crate::server::web::error::PageResult;

use crate::model::AppError;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::custom_ui::challenge::answer_here;
use crate::server::authsignal::round_trip;
use crate::server::authsignal::round_trip::{Purpose, Refusal, Started};
use crate::server::config::EnrolledAllowPolicy;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::users::User;
use crate::server::web::request_context::RequestContext;

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

/// What Authsignal answered when asked whether this customer must pass a challenge.
#[derive(Clone, Debug)]
pub enum Answer {
    Decided {
        state: ActionState,
        is_enrolled: bool,
    },
    Unreachable,
}

impl Answer {
    /// What a start that did not go to the pre-built UI says (callers send a launch there first).
    pub fn of(started: &Started) -> Answer {
        match started {
            Started::Decided { state, is_enrolled } => Answer::Decided {
                state: state.clone(),
                is_enrolled: *is_enrolled,
            },
            Started::Go { .. } | Started::ProviderDown => Answer::Unreachable,
        }
    }
}

/// Whether a customer may pass with their password (sign-in) or email link (reset) alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Authsignal allowed it and nothing is enrolled.
    NothingEnrolled,
    /// Authsignal allowed an enrolled customer and this shop honours its rules.
    AllowedByRules,
    /// Authsignal is down and last said nothing is enrolled.
    ProviderDownNothingEnrolled,
    /// Not without a second factor.
    Refused(Refusal),
}

/// The one fail-closed rule for passing without a second factor, used by sign-in and reset:
/// a held account never passes, an enrolled customer passes only when Authsignal's rules say
/// so and the shop honours them, and an outage lets through only a customer last known to
/// have nothing enrolled (never asked counts as enrolled).
pub fn without_second_factor(
    answer: &Answer,
    last_known_enrolled: Option<bool>,
    policy: EnrolledAllowPolicy,
    held: bool,
) -> Pass {
    if held {
        return Pass::Refused(Refusal::Held);
    }
    match answer {
        Answer::Decided {
            state: ActionState::Allow,
            is_enrolled: false,
        } => Pass::NothingEnrolled,
        Answer::Decided {
            state: ActionState::Allow,
            is_enrolled: true,
        } => match policy {
            EnrolledAllowPolicy::Honour => Pass::AllowedByRules,
            EnrolledAllowPolicy::Refuse => Pass::Refused(Refusal::ChallengeSkipped),
        },
        Answer::Decided {
            state: ActionState::Block,
            ..
        } => Pass::Refused(Refusal::Blocked),
        Answer::Decided {
            state: ActionState::ReviewRequired,
            ..
        } => Pass::Refused(Refusal::UnderReview),
        Answer::Decided { .. } => Pass::Refused(Refusal::NotVerified),
        Answer::Unreachable if last_known_enrolled == Some(false) => {
            Pass::ProviderDownNothingEnrolled
        }
        Answer::Unreachable => Pass::Refused(Refusal::ProviderDown),
    }
}

/// The rule applied to what a start (that did not go to the UI) answered for `user`.
pub fn pass_for(started: &Started, user: &User, policy: EnrolledAllowPolicy) -> Pass {
    without_second_factor(
        &Answer::of(started),
        user.two_step_enrolled(),
        policy,
        user.held(),
    )
}

/// Runs the second step for a customer whose password was right.
pub async fn begin(
    state: &AppState,
    session: &TypedSession,
    user: &User,
    context: RequestContext,
    next: &str,
) -> Result<Outcome, AppError> {
    if user.held() {
        record(
            state,
            &user.id,
            "A sign-in was refused: the account is held for support",
        )
        .await;
        return Ok(Outcome::Refused(Refusal::Held));
    }
    let purpose = Purpose::SignIn {
        next: next.to_string(),
        stamp: user.security_stamp.clone(),
    };
    let started = round_trip::start(state, session, &user.id, purpose, &context).await?;
    match &started {
        Started::Go {
            url,
            is_enrolled,
            token,
            ..
        } => {
            if let Some(enrolled) = *is_enrolled {
                state
                    .users
                    .remember_enrollment(&user.id, enrolled, Some(user))
                    .await;
            }
            // Custom mode: the second step on our own page, else in the pre-built UI.
            let url = match answer_here(state, session, token.as_ref()).await? {
                Some(here) => here.to_string(),
                None => url.clone(),
            };
            return Ok(Outcome::Challenge { url });
        }
        Started::Decided { is_enrolled, .. } => {
            state
                .users
                .remember_enrollment(&user.id, *is_enrolled, Some(user))
                .await;
        }
        Started::ProviderDown => {}
    }
    let pass = pass_for(&started, user, state.settings.enrolled_allow);
    let line = match pass {
        Pass::NothingEnrolled => "Signed in with password",
        Pass::AllowedByRules => {
            "Signed in with password (the security settings asked for no second step)"
        }
        Pass::ProviderDownNothingEnrolled => {
            "Signed in with password (two-step check unavailable; nothing enrolled)"
        }
        Pass::Refused(Refusal::ChallengeSkipped) => {
            tracing::error!(
                "Authsignal allowed an enrolled customer to sign in without a challenge: set the signIn action's default \
                 outcome to CHALLENGE (or add a rule that challenges enrolled users); sign-in refused (STOREFRONT_ENROLLED_ALLOW=refuse)"
            );
            "A sign-in was refused: the second step was skipped by the security settings"
        }
        Pass::Refused(Refusal::Blocked) => "Sign-in blocked",
        Pass::Refused(Refusal::UnderReview) => "A sign-in is waiting for a review by support",
        Pass::Refused(why) => {
            tracing::warn!(?why, "sign-in refused at the second step");
            return Ok(Outcome::Refused(why));
        }
    };
    record(state, &user.id, line).await;
    Ok(match pass {
        Pass::Refused(why) => Outcome::Refused(why),
        _ => Outcome::SignedIn,
    })
}

async fn record(state: &AppState, user_id: &str, what: &str) {
    state.events.record(user_id, EventKind::SignIn, what).await;
}

/// `GET /signin/return?token=…`: back from the two-step challenge; signs the customer in.
#[tracing::instrument(name = "sign_in_return", skip_all)]
pub async fn sign_in_return(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<ReturnQuery>,
) -> PageResult {
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    finish_sign_in(&state, &session, &context, query.token).await
}

/// Completes sign-in's second step with the token it ended with (the pre-built UI's return,
/// or the access token a code verified on our own page gave): signs the customer in, or back
/// to the sign-in form with why not. `None` ends the launch as not verified.
pub async fn finish_sign_in(
    state: &AppState,
    session: &TypedSession,
    context: &RequestContext,
    token: Option<String>,
) -> PageResult {
    let refused = |why: Refusal| {
        let kept = FormState {
            error: why.at_sign_in().to_string(),
            ..FormState::default()
        };
        Ok(state
            .form_cookies
            .refuse(FormName::SignIn, kept, routes::SIGN_IN.to_string()))
    };
    let completion = complete(state, session, token, None, routes::SIGN_IN_RETURN).await?;
    let (next, stamp, user_id, method) = match completion {
        Completion::Done {
            purpose: Purpose::SignIn { next, stamp },
            user_id,
            method,
            ..
        } => (next, stamp, user_id, method),
        Completion::Done { .. } => return refused(Refusal::Invalid),
        Completion::Refused { pending, why } => {
            if let Some(pending) =
                pending.filter(|_| matches!(why, Refusal::NotVerified | Refusal::Invalid))
            {
                record(
                    state,
                    &pending.user_id,
                    "A sign-in was refused: the second step wasn't completed",
                )
                .await;
            }
            tracing::info!(?why, "two-step sign-in refused at the return");
            return refused(why);
        }
    };
    let verified = session.verified().await?;
    let user = match state.users.find_by_id(&user_id).await? {
        // A reset since the password was checked ends this sign-in, however late it returns.
        Some(user) if user.security_stamp != stamp => {
            tracing::warn!(user_id = %user_id, "a sign-in started before a reset came back; refused");
            return refused(Refusal::Invalid);
        }
        Some(user) if user.held() => return refused(Refusal::Held),
        Some(user) => user,
        None => return refused(Refusal::Invalid),
    };
    sign_in_with_password(state, session, &user, context).await?;
    // The challenge just passed counts for the next ten minutes (no second one for Manage).
    if let Some(verified) = verified.filter(|v: &Verified| v.user_id == user_id) {
        session.set_verified(&verified).await?;
    }
    let method = method
        .as_ref()
        .map(method_words)
        .unwrap_or_else(|| "an authenticator".into());
    record(
        state,
        &user_id,
        &format!("Signed in with password and {method}"),
    )
    .await;
    tracing::info!(user_id = %user_id, "customer signed in after a two-step challenge");
    Ok(Redirect::to(safe_next(&next)).into_response())
}

#[cfg(test)]
mod tests {
    use crate::server::accounts::two_step::*;
    use EnrolledAllowPolicy::{Honour, Refuse};

    fn decided(state: ActionState, is_enrolled: bool) -> Answer {
        Answer::Decided { state, is_enrolled }
    }

    #[test]
    fn only_a_customer_with_nothing_enrolled_passes_on_allow_by_default() {
        for last_known in [None, Some(false), Some(true)] {
            assert_eq!(
                without_second_factor(
                    &decided(ActionState::Allow, false),
                    last_known,
                    Refuse,
                    false
                ),
                Pass::NothingEnrolled
            );
            assert_eq!(
                without_second_factor(
                    &decided(ActionState::Allow, true),
                    last_known,
                    Refuse,
                    false
                ),
                Pass::Refused(Refusal::ChallengeSkipped)
            );
            assert_eq!(
                without_second_factor(
                    &decided(ActionState::Allow, true),
                    last_known,
                    Honour,
                    false
                ),
                Pass::AllowedByRules
            );
        }
    }

    #[test]
    fn block_review_and_anything_else_are_refused_whatever_the_policy() {
        for policy in [Refuse, Honour] {
            for enrolled in [false, true] {
                let pass =
                    |state| without_second_factor(&decided(state, enrolled), None, policy, false);
                assert_eq!(pass(ActionState::Block), Pass::Refused(Refusal::Blocked));
                assert_eq!(
                    pass(ActionState::ReviewRequired),
                    Pass::Refused(Refusal::UnderReview)
                );
                assert_eq!(
                    pass(ActionState::ChallengeRequired),
                    Pass::Refused(Refusal::NotVerified)
                );
            }
        }
    }

    #[test]
    fn an_outage_lets_through_only_a_customer_last_known_to_have_nothing_enrolled() {
        for policy in [Refuse, Honour] {
            let pass =
                |last_known| without_second_factor(&Answer::Unreachable, last_known, policy, false);
            assert_eq!(pass(Some(false)), Pass::ProviderDownNothingEnrolled);
            assert_eq!(pass(Some(true)), Pass::Refused(Refusal::ProviderDown));
            assert_eq!(
                pass(None),
                Pass::Refused(Refusal::ProviderDown),
                "never asked counts as enrolled"
            );
        }
    }

    #[test]
    fn a_held_account_never_passes() {
        for answer in [
            decided(ActionState::Allow, false),
            decided(ActionState::Allow, true),
            Answer::Unreachable,
        ] {
            for policy in [Refuse, Honour] {
                assert_eq!(
                    without_second_factor(&answer, Some(false), policy, true),
                    Pass::Refused(Refusal::Held)
                );
            }
        }
    }
}
