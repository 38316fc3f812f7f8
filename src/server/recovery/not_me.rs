//! "This wasn't me" from a receipt: every session ends, the authenticator the receipt reported
//! as added is removed, and the customer goes on to choose a new password. An inbox alone must
//! never strip the last factor and then reset on the link alone: then the account is held.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::tokens::{self, LinkPurpose};
use super::{back_to_forgot, sign_out_everywhere, sweep_again};
use crate::model::words::LINK_UNUSABLE;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::round_trip::Refusal;
use crate::server::state::AppState;
use crate::server::web::error::{PageError, PageResult};
use crate::server::web::request_limits::PostedForm;

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    token: String,
}

/// `POST /not-me`: "This wasn't me" from a receipt. Signs the account out everywhere, removes
/// the authenticator the receipt reported as added (an intruder's passkey would otherwise
/// sign them in again, and answer the reset's challenge), uses the link up, and continues to
/// choosing a new password with a fresh reset link — or, with no factor left, holds the account.
#[tracing::instrument(name = "not_me", skip_all)]
pub async fn not_me(
    State(state): State<AppState>,
    PostedForm(form): PostedForm<LinkForm>,
) -> PageResult {
    let Some(user_id) = tokens::peek(&state.pool, &form.token, LinkPurpose::NotMe).await? else {
        return Ok(back_to_forgot(&state, LINK_UNUSABLE, ""));
    };
    sign_out_everywhere(&state, &user_id).await?;
    let Some((_, undo)) =
        tokens::consume_about(&state.pool, &form.token, LinkPurpose::NotMe).await?
    else {
        return Ok(back_to_forgot(&state, LINK_UNUSABLE, ""));
    };
    sweep_again(&state, &user_id);
    // Links sent before the report may be an intruder's: only the fresh one below works.
    tokens::revoke_all(&state.pool, &user_id, LinkPurpose::ResetPassword).await?;
    let (removed, held) = match &undo {
        Some(authenticator_id) => undo_reported(&state, &user_id, authenticator_id).await?,
        None => (false, false),
    };
    tracing::warn!(user_id = %user_id, removed, held, "customer reported a change they didn't make; signed out everywhere");
    let line = match (removed, held) {
        (true, true) => "Reported \"this wasn't me\"; every device was signed out, the added authenticator removed and the account held for support",
        (true, false) => "Reported \"this wasn't me\"; every device was signed out and the added authenticator removed",
        _ => "Reported \"this wasn't me\"; every device was signed out",
    };
    state
        .events
        .record(&user_id, EventKind::Recovery, line)
        .await;
    if held {
        return Ok(back_to_forgot(&state, Refusal::Held.at_reset(), ""));
    }
    let token = tokens::issue(&state.pool, &user_id, LinkPurpose::ResetPassword).await?;
    let next = format!("{}?token={token}&signed_out=1", routes::RESET_PASSWORD);
    Ok(Redirect::to(&next).into_response())
}

/// Removes the reported authenticator under a hold put on first, so no reset or sign-in can
/// pass while it goes; the hold stays unless a second factor is confirmed to remain. Answers
/// (removed, held). A held account's password stops working and every session ends again.
async fn undo_reported(
    state: &AppState,
    user_id: &str,
    authenticator_id: &str,
) -> Result<(bool, bool), PageError> {
    // Only a hold put on here is lifted here: one support has not reviewed yet stays.
    let held_already = state.users.is_held(user_id).await?;
    state.users.hold_for_review(user_id).await?;
    let removed = remove_reported(state, user_id, authenticator_id).await;
    if !held_already && has_a_second_factor(state, user_id).await {
        state.users.release_hold(user_id).await?;
        return Ok((removed, false));
    }
    state.users.disable_password(user_id).await?;
    sign_out_everywhere(state, user_id).await?;
    Ok((removed, true))
}

/// Whether the customer still has an authenticator other than their account's own inbox (an
/// email code to the address the reset link goes to is no second factor against its reader);
/// unknown (Authsignal down) counts as none.
async fn has_a_second_factor(state: &AppState, user_id: &str) -> bool {
    let own_email = match state.users.find_by_id(user_id).await {
        Ok(Some(user)) => user.email.to_lowercase(),
        _ => return false,
    };
    match state.authsignal.get_authenticators(user_id).await {
        Ok(left) => left.iter().any(|a| {
            let inbox = a
                .email
                .as_deref()
                .is_some_and(|email| email.to_lowercase() == own_email);
            !inbox
        }),
        Err(e) => {
            tracing::error!(error = %e, "listing what is left after a report failed; holding the account");
            false
        }
    }
}

/// Removes the authenticator a "this wasn't me" receipt reported as added; true when it is
/// gone (already gone counts).
async fn remove_reported(state: &AppState, user_id: &str, authenticator_id: &str) -> bool {
    match state
        .authsignal
        .delete_authenticator(user_id, authenticator_id)
        .await
    {
        Ok(()) => true,
        Err(e) if e.status() == Some(404) => true,
        Err(e) => {
            tracing::error!(error = %e, "removing a reported authenticator failed; the customer must ask support");
            false
        }
    }
}
