//! "Forgot password?": a single-use reset link by email, with the same answer whether or not
//! the email has an account. Links are budgeted per requester once the account is known — the
//! customer's own browser has a budget nobody else can use up — and a mail flood to one
//! address is capped whatever the number of source addresses.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::back_to_forgot;
use super::tokens::{self, LinkPurpose};
use crate::domain::Email;
use crate::routes;
use crate::server::accounts::limits::address_key;
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::request_context::{with_device_cookie, RequestContext};
use crate::server::web::request_limits::PostedForm;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Who asks for a link: the browser (its device id) and the network it asks from.
struct Requester {
    device_id: String,
    network: Option<String>,
}

/// `POST /forgot-password`: the same answer whether or not the email has an account; the
/// lookup and the mail happen after the answer, so its timing says nothing either.
#[tracing::instrument(name = "forgot_password", skip_all)]
pub async fn forgot_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<ForgotForm>,
) -> PageResult {
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(message) => return Ok(back_to_forgot(&state, &message, form.email.trim())),
    };
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let ip = context.ip_address.as_deref().and_then(|ip| ip.parse().ok());
    if let Err(blocked) = state.sign_in_limits.password_reset(ip).await {
        tracing::warn!("password reset refused: too many from this address");
        return Ok(back_to_forgot(
            &state,
            &blocked.reset_message(),
            email.as_str(),
        ));
    }
    let requester = Requester {
        device_id: context.device_id.clone(),
        network: ip.map(address_key),
    };
    let sending = state.clone();
    tokio::spawn(async move { send_reset_link(&sending, &email, requester).await });
    let response = Redirect::to(&format!("{}?sent=1", routes::FORGOT_PASSWORD)).into_response();
    Ok(with_device_cookie(response, context.device_cookie()))
}

async fn send_reset_link(state: &AppState, email: &Email, requester: Requester) {
    let user = match state.users.find_by_email(email).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!("password reset asked for an email with no account; nothing sent");
            return;
        }
        Err(e) => return tracing::error!(error = %e, "looking up a reset's account failed"),
    };
    // A browser the customer signed in from is theirs: its budget is its own, and its mail
    // is not capped with what strangers ask for.
    let own_browser = state
        .users
        .knows_device(&user.id, &requester.device_id)
        .await;
    let budget = match (own_browser, &requester.network) {
        (true, _) => format!("device:{}", requester.device_id),
        (false, Some(network)) => format!("network:{network}"),
        (false, None) => "network:unknown".to_string(),
    };
    if !state
        .sign_in_limits
        .reset_link(email.as_str(), &budget)
        .await
    {
        return tracing::info!(user_id = %user.id, own_browser, "password reset not sent: this requester had its links for now");
    }
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
    let queued = match own_browser {
        true => state.mailer.enqueue(mail).await,
        false => state.mailer.enqueue_unsolicited(mail).await,
    };
    tracing::info!(user_id = %user.id, own_browser, queued, "password reset link");
}
