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

pub mod tokens;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::{Email, Password};
use crate::model::session::{FormName, FormState};
use crate::routes;
use crate::server::accounts::limits::ResetAllowance;
use crate::server::activity::log::EventKind;
use crate::server::recovery::tokens::LinkPurpose;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::users::User;
use crate::server::web::request_limits::PostedForm;
use crate::{
    server::accounts::sign_in::internal, server::accounts::sign_in::refuse,
    server::accounts::sign_in::with_device_cookie,
};
use crate::{
    server::accounts::two_step::without_second_factor, server::accounts::two_step::Answer,
    server::accounts::two_step::Pass,
};
use crate::{
    server::authsignal::round_trip, server::authsignal::round_trip::Completion,
    server::authsignal::round_trip::Purpose, server::authsignal::round_trip::Refusal,
    server::authsignal::round_trip::Started,
};
use crate::{
    server::web::request_context::client_ip, server::web::request_context::RequestContext,
};

pub use crate::model::recovery::LINK_UNUSABLE;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    token: String,
}

fn back_to_forgot(state: &AppState, error: &str, email: &str) -> Response {
    let kept = FormState {
        error: error.to_string(),
        email: email.to_string(),
        name: String::new(),
    };
    refuse(
        state,
        FormName::ForgotPassword,
        kept,
        routes::FORGOT_PASSWORD.into(),
    )
}

fn back_to_reset(state: &AppState, error: &str, token: &str) -> Response {
    let kept = FormState {
        error: error.to_string(),
        ..FormState::default()
    };
    let back = format!("{}?token={}", routes::RESET_PASSWORD, url_safe(token));
    refuse(state, FormName::ResetPassword, kept, back)
}

/// Tokens are hex; anything else is dropped rather than echoed into a URL.
fn url_safe(token: &str) -> &str {
    if token.len() <= 128 && token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        token
    } else {
        ""
    }
}

/// `POST /forgot-password`: the same answer whether or not the email has an account; the
/// lookup and the mail happen after the answer, so its timing says nothing either.
#[tracing::instrument(name = "forgot_password", skip_all)]
pub async fn forgot_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<ForgotForm>,
) -> Response {
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(message) => return back_to_forgot(&state, &message, form.email.trim()),
    };
    let ip = client_ip(&headers, Some(peer), &state.settings.trusted_proxies);
    match state
        .sign_in_limits
        .password_reset(email.as_str(), ip)
        .await
    {
        Err(blocked) => {
            tracing::warn!("password reset refused: too many from this address");
            return back_to_forgot(&state, &blocked.reset_message(), email.as_str());
        }
        Ok(ResetAllowance::Quietly) => {
            tracing::info!("password reset not sent: this account had its links for now");
        }
        Ok(ResetAllowance::Send) => {
            let state = state.clone();
            tokio::spawn(async move { send_reset_link(&state, &email).await });
        }
    }
    Redirect::to(&format!("{}?sent=1", routes::FORGOT_PASSWORD)).into_response()
}

async fn send_reset_link(state: &AppState, email: &Email) {
    let user = match state.users.find_by_email(email).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!("password reset asked for an email with no account; nothing sent");
            return;
        }
        Err(e) => return tracing::error!(error = %e, "looking up a reset's account failed"),
    };
    let token = match tokens::issue(&state.pool, &user.id, LinkPurpose::ResetPassword).await {
        Ok(token) => token,
        Err(e) => return tracing::error!(error = %e, "issuing a reset link failed"),
    };
    let url = format!(
        "{}{}?token={token}",
        state.settings.origin(),
        routes::RESET_PASSWORD
    );
    let minutes = LinkPurpose::ResetPassword.lifetime_secs() / 60;
    let mail =
        crate::server::mail::compose::reset_link(&user.email, &user.display_name, &url, minutes);
    state.mailer.enqueue(mail).await;
    tracing::info!(user_id = %user.id, "password reset link queued");
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
) -> Response {
    let password = match Password::parse(form.password) {
        Ok(password) => password,
        Err(message) => return back_to_reset(&state, &message, &form.token),
    };
    let user = match tokens::peek(&state.pool, &form.token, LinkPurpose::ResetPassword).await {
        Ok(Some(user_id)) => match state.users.find_by_id(&user_id).await {
            Ok(Some(user)) => user,
            Ok(None) => return back_to_forgot(&state, LINK_UNUSABLE, ""),
            Err(e) => return internal(e),
        },
        Ok(None) => return back_to_forgot(&state, LINK_UNUSABLE, ""),
        Err(e) => return internal(e),
    };
    if user.held() {
        tracing::warn!(user_id = %user.id, "password reset refused: the account is held for support");
        return back_to_reset(&state, Refusal::Held.at_reset(), &form.token);
    }
    let password_hash = match state.users.hash_new_password(password).await {
        Ok(hash) => hash,
        Err(e) => return internal(e),
    };
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let purpose = Purpose::ResetPassword {
        link: form.token.clone(),
        password_hash: password_hash.clone(),
    };
    let started = match round_trip::start(&state, &session, &user.id, purpose, &context).await {
        Ok(started) => started,
        Err(e) => return internal(e),
    };
    let answer = match started {
        Started::Go { url, .. } => {
            tracing::info!(user_id = %user.id, "password reset: challenge required");
            let response = Redirect::to(&url).into_response();
            return with_device_cookie(response, context.device_cookie());
        }
        Started::Decided {
            state: decided,
            is_enrolled,
        } => Answer::Decided {
            state: decided,
            is_enrolled,
        },
        Started::ProviderDown => Answer::Unreachable,
    };
    let pass = without_second_factor(
        &answer,
        user.two_step_enrolled(),
        state.settings.enrolled_allow,
        user.held(),
    );
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
        _ => apply_reset(&state, &user, &form.token, &password_hash, &context).await,
    };
    with_device_cookie(response, context.device_cookie())
}

/// `GET /reset-password/return?token=…`: back from the reset's challenge.
#[tracing::instrument(name = "reset_password_return", skip_all)]
pub async fn reset_password_return(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let completion = round_trip::complete(
        &state,
        &session,
        query.token,
        None,
        routes::RESET_PASSWORD_RETURN,
    )
    .await;
    match completion {
        Ok(Completion::Done {
            purpose:
                Purpose::ResetPassword {
                    link,
                    password_hash,
                },
            user_id,
            ..
        }) => {
            let user = match state.users.find_by_id(&user_id).await {
                Ok(Some(user)) => user,
                Ok(None) => return back_to_forgot(&state, LINK_UNUSABLE, ""),
                Err(e) => return internal(e),
            };
            apply_reset(
                &state,
                &user,
                &link,
                &password_hash,
                &RequestContext::of_request(&headers, peer, &state.settings),
            )
            .await
        }
        Ok(Completion::Done { .. }) => back_to_forgot(&state, LINK_UNUSABLE, ""),
        Ok(Completion::Refused { pending, why }) => {
            tracing::info!(?why, "password reset refused at the return");
            match pending.map(|p| p.purpose) {
                Some(Purpose::ResetPassword { link, .. }) => {
                    back_to_reset(&state, why.at_reset(), &link)
                }
                _ => back_to_forgot(&state, LINK_UNUSABLE, ""),
            }
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: Option<String>,
}

/// Sets the new password if the link is still unused (exactly once, however many tabs),
/// then ends every session of the customer, records it and mails a receipt.
async fn apply_reset(
    state: &AppState,
    user: &User,
    link: &str,
    password_hash: &str,
    context: &RequestContext,
) -> Response {
    if user.held() {
        return back_to_reset(state, Refusal::Held.at_reset(), link);
    }
    // Every step that can fail comes before the link is used up and the password changes.
    if let Err(response) = sign_out_everywhere(state, &user.id).await {
        return response;
    }
    match tokens::consume(&state.pool, link, LinkPurpose::ResetPassword).await {
        Ok(Some(owner)) if owner == user.id => {}
        Ok(_) => return back_to_forgot(state, LINK_UNUSABLE, ""),
        Err(e) => return internal(e),
    }
    if let Err(e) = state.users.set_password_hash(&user.id, password_hash).await {
        return internal(e);
    }
    // Older reset links, and "this wasn't me" links (each leads to a reset), stop working.
    for purpose in [LinkPurpose::ResetPassword, LinkPurpose::NotMe] {
        if let Err(e) = tokens::revoke_all(&state.pool, &user.id, purpose).await {
            tracing::error!(error = %e, "revoking older links failed");
        }
    }
    sweep_again(state, &user.id);
    tracing::info!(user_id = %user.id, "password reset");
    state
        .events
        .record(
            &user.id,
            EventKind::Recovery,
            "Password changed with an email link; every device was signed out",
        )
        .await;
    let origin = crate::server::accounts::devices::origin_of(context);
    crate::server::activity::receipts::password_changed(state, user, Some(&origin)).await;
    Redirect::to(&format!("{}?reset=1", routes::SIGN_IN)).into_response()
}

/// Ends every session of the customer under a new security stamp.
async fn sign_out_everywhere(state: &AppState, user_id: &str) -> Result<(), Response> {
    state
        .users
        .rotate_security_stamp(user_id)
        .await
        .map_err(internal)?;
    let ended = state
        .sessions
        .end_sessions_of(user_id, None)
        .await
        .map_err(internal)?;
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

/// `POST /not-me`: "This wasn't me" from a receipt. Signs the account out everywhere, removes
/// the authenticator the receipt reported as added (an intruder's passkey would otherwise
/// sign them in again, and answer the reset's challenge), uses the link up, and continues to
/// choosing a new password with a fresh reset link.
#[tracing::instrument(name = "not_me", skip_all)]
pub async fn not_me(
    State(state): State<AppState>,
    PostedForm(form): PostedForm<LinkForm>,
) -> Response {
    let user_id = match tokens::peek(&state.pool, &form.token, LinkPurpose::NotMe).await {
        Ok(Some(user_id)) => user_id,
        Ok(None) => return back_to_forgot(&state, LINK_UNUSABLE, ""),
        Err(e) => return internal(e),
    };
    if let Err(response) = sign_out_everywhere(&state, &user_id).await {
        return response;
    }
    let undo = match tokens::consume_about(&state.pool, &form.token, LinkPurpose::NotMe).await {
        Ok(Some((_, undo))) => undo,
        Ok(None) => return back_to_forgot(&state, LINK_UNUSABLE, ""),
        Err(e) => return internal(e),
    };
    sweep_again(&state, &user_id);
    let removed = match &undo {
        Some(authenticator_id) => remove_reported(&state, &user_id, authenticator_id).await,
        None => false,
    };
    // Inbox access alone must never strip the last factor and then reset on the link alone.
    let held = removed && !has_a_second_factor(&state, &user_id).await;
    if held {
        if let Err(e) = state.users.hold_for_review(&user_id).await {
            return internal(e);
        }
    }
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
        return back_to_forgot(&state, Refusal::Held.at_reset(), "");
    }
    match tokens::issue(&state.pool, &user_id, LinkPurpose::ResetPassword).await {
        Ok(token) => Redirect::to(&format!(
            "{}?token={token}&signed_out=1",
            routes::RESET_PASSWORD
        ))
        .into_response(),
        Err(e) => internal(e),
    }
}

/// Whether the customer still has an authenticator; unknown (Authsignal down) counts as none.
async fn has_a_second_factor(state: &AppState, user_id: &str) -> bool {
    match state.authsignal.get_authenticators(user_id).await {
        Ok(left) => !left.is_empty(),
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
