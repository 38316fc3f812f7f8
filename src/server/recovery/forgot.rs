//! "Forgot password?": a single-use reset link by email, with the same answer whether or not
//! the email has an account.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::back_to_forgot;
use super::tokens::{self, LinkPurpose};
use crate::domain::Email;
use crate::routes;
use crate::server::accounts::limits::ResetAllowance;
use crate::server::state::AppState;
use crate::server::web::request_context::client_ip;
use crate::server::web::request_limits::PostedForm;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
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
