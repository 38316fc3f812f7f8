//! Choosing a new password from a reset link: an enrolled customer passes an Authsignal
//! challenge first (track `resetPassword`, failing closed like sign-in); the reset ends every
//! session and mails a receipt.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::tokens::{self, LinkPurpose};
use super::{back_to_forgot, back_to_reset, sign_out_everywhere, sweep_again};
use crate::domain::Password;
use crate::model::words::LINK_UNUSABLE;
use crate::routes;
use crate::server::accounts::two_step::{pass_for, Pass};
use crate::server::activity::log::EventKind;
use crate::server::authsignal::custom_ui::challenge::answer_here;
use crate::server::authsignal::round_trip::{self, Completion, Purpose, Refusal, Started};
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::users::User;
use crate::server::web::error::PageResult;
use crate::server::web::request_context::{origin_of, with_device_cookie, RequestContext};
use crate::server::web::request_limits::PostedForm;

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: Option<String>,
}

/// `POST /reset-password`: checks the link and the new password, then asks Authsignal
/// whether this customer must pass a challenge first.
#[tracing::instrument(name = "reset_password", skip_all)]
pub async fn reset_password(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<ResetForm>,
) -> PageResult {
    let password = match Password::parse(form.password) {
        Ok(password) => password,
        Err(message) => return Ok(back_to_reset(&state, &message, &form.token)),
    };
    let owner = tokens::peek(&state.pool, &form.token, LinkPurpose::ResetPassword).await?;
    let user = match owner {
        Some(user_id) => state.users.find_by_id(&user_id).await?,
        None => None,
    };
    let Some(user) = user else {
        return Ok(back_to_forgot(&state, LINK_UNUSABLE, ""));
    };
    if user.held() {
        tracing::warn!(user_id = %user.id, "password reset refused: the account is held for support");
        return Ok(back_to_reset(&state, Refusal::Held.at_reset(), &form.token));
    }
    let password_hash = state.users.hash_new_password(password).await?;
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let purpose = Purpose::ResetPassword {
        link: form.token.clone(),
        password_hash: password_hash.clone(),
    };
    let started = round_trip::start(&state, &session, &user.id, purpose, &context).await?;
    if let Started::Go { url, token, .. } = &started {
        tracing::info!(user_id = %user.id, "password reset: challenge required");
        // Custom mode: the challenge on our own page, else in the pre-built UI.
        let here = answer_here(&state, &session, token.as_ref()).await?;
        let response = Redirect::to(here.unwrap_or(url)).into_response();
        return Ok(with_device_cookie(response, context.device_cookie()));
    }
    let pass = pass_for(&started, &user, state.settings.enrolled_allow);
    let response = match pass {
        Pass::Refused(why) => {
            if why == Refusal::ChallengeSkipped {
                tracing::error!(user_id = %user.id, "Authsignal allowed resetPassword for an enrolled customer without a challenge; refused (STOREFRONT_ENROLLED_ALLOW=refuse)");
            } else {
                tracing::info!(user_id = %user.id, ?why, "password reset refused");
            }
            let why = match why {
                Refusal::ProviderDown | Refusal::Held => why,
                _ => Refusal::Invalid,
            };
            back_to_reset(&state, why.at_reset(), &form.token)
        }
        _ => apply_reset(&state, &user, &form.token, &password_hash, &context).await?,
    };
    Ok(with_device_cookie(response, context.device_cookie()))
}

/// `GET /reset-password/return?token=…`: back from the reset's challenge.
#[tracing::instrument(name = "reset_password_return", skip_all)]
pub async fn reset_password_return(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<LinkQuery>,
) -> PageResult {
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    finish_reset(&state, &session, &context, query.token).await
}

/// Completes a reset's challenge with the token it ended with (the pre-built UI's return, or
/// a code verified on our own page): the new password takes effect, or back to the form with
/// why not. `None` ends the launch as not verified.
pub async fn finish_reset(
    state: &AppState,
    session: &TypedSession,
    context: &RequestContext,
    token: Option<String>,
) -> PageResult {
    let back = routes::RESET_PASSWORD_RETURN;
    match round_trip::complete(state, session, token, None, back).await? {
        Completion::Done {
            purpose:
                Purpose::ResetPassword {
                    link,
                    password_hash,
                },
            user_id,
            ..
        } => {
            let Some(user) = state.users.find_by_id(&user_id).await? else {
                return Ok(back_to_forgot(state, LINK_UNUSABLE, ""));
            };
            apply_reset(state, &user, &link, &password_hash, context).await
        }
        Completion::Done { .. } => Ok(back_to_forgot(state, LINK_UNUSABLE, "")),
        Completion::Refused { pending, why } => {
            tracing::info!(?why, "password reset refused at the return");
            Ok(match pending.map(|p| p.purpose) {
                Some(Purpose::ResetPassword { link, .. }) => {
                    back_to_reset(state, why.at_reset(), &link)
                }
                _ => back_to_forgot(state, LINK_UNUSABLE, ""),
            })
        }
    }
}

/// Sets the new password if the link is still unused (exactly once, however many tabs),
/// then ends every session of the customer, records it and mails a receipt.
async fn apply_reset(
    state: &AppState,
    user: &User,
    link: &str,
    password_hash: &str,
    context: &RequestContext,
) -> PageResult {
    if user.held() {
        return Ok(back_to_reset(state, Refusal::Held.at_reset(), link));
    }
    // Every step that can fail comes before the link is used up and the password changes.
    sign_out_everywhere(state, &user.id).await?;
    match tokens::consume(&state.pool, link, LinkPurpose::ResetPassword).await? {
        Some(owner) if owner == user.id => {}
        _ => return Ok(back_to_forgot(state, LINK_UNUSABLE, "")),
    }
    state
        .users
        .set_password_hash(&user.id, password_hash)
        .await?;
    // Older reset links, and "this wasn't me" links (each leads to a reset), stop working.
    for purpose in [LinkPurpose::ResetPassword, LinkPurpose::NotMe] {
        if let Err(e) = tokens::revoke_all(&state.pool, &user.id, purpose).await {
            tracing::error!(error = %e, "revoking older links failed");
        }
    }
    sweep_again(state, &user.id);
    tracing::info!(user_id = %user.id, "password reset");
    let line = "Password changed with an email link; every device was signed out";
    state
        .events
        .record(&user.id, EventKind::Recovery, line)
        .await;
    let origin = origin_of(context);
    crate::server::activity::receipts::password_changed(state, user, Some(&origin)).await;
    Ok(Redirect::to(&format!("{}?reset=1", routes::SIGN_IN)).into_response())
}
