//! Sign-up: a plain HTML form post answered with a 303 (post/redirect/get), so it behaves the
//! same with JavaScript on or off. A refused form keeps what was typed (never the password)
//! in a signed cookie for the next render of the form.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::{DisplayName, Email, Password};
use crate::model::session::{FormName, FormState};
use crate::model::words;
use crate::routes;
use crate::server::accounts::devices;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::users::UserStoreError;
use crate::server::web::error::PageResult;
use crate::server::web::request_context::{client_ip, with_device_cookie, RequestContext};
use crate::server::web::request_limits::PostedForm;

/// Fields default to empty so a missing field is a form error, not a rejection.
#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

impl SignUpForm {
    /// What comes back to the form with `error`: what was typed, never the password.
    fn kept(&self, error: String) -> FormState {
        FormState {
            error,
            email: self.email.trim().to_string(),
            name: self.name.trim().to_string(),
        }
    }
}

#[tracing::instrument(name = "sign_up", skip_all)]
pub async fn sign_up(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<SignUpForm>,
) -> PageResult {
    let refuse = |error: String| -> PageResult {
        let kept = form.kept(error);
        Ok(state
            .form_cookies
            .refuse(FormName::SignUp, kept, routes::SIGN_UP.into()))
    };
    let parsed = Email::parse(&form.email).and_then(|email| {
        let name = DisplayName::parse(&form.name)?;
        let password = Password::parse(form.password.clone())?;
        Ok((email, name, password))
    });
    let (email, name, password) = match parsed {
        Ok(values) => values,
        Err(message) => return refuse(message),
    };
    // Counted once the form is valid: each of these costs a password hash and a new row.
    let ip = client_ip(&headers, Some(peer), &state.settings.trusted_proxies);
    if let Err(blocked) = state.sign_in_limits.sign_up(ip).await {
        tracing::warn!("sign-up refused: too many from this address");
        return refuse(blocked.sign_up_message());
    }
    let user = match state.users.create(&email, &name, password).await {
        Ok(user) => user,
        Err(UserStoreError::EmailTaken) => {
            let mailing = state.clone();
            tokio::spawn(async move { tell_the_owner(&mailing, &email).await });
            return refuse(words::EMAIL_TAKEN.into());
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user_id = %user.id, "customer signed up");
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    devices::start_session(&state, &session, &user, &context, true).await?;
    if state.settings.sign_up_verifies_email {
        let next = crate::server::accounts::verify_email::after_sign_up(&state, &user).await;
        return Ok(signed_in_at(&next, &context));
    }
    Ok(signed_in_at(routes::ACCOUNT, &context))
}

/// The owner of a taken address hears that someone tried to sign up with it (capped with the
/// other mail anyone can cause, so it cannot flood their inbox).
async fn tell_the_owner(state: &AppState, email: &Email) {
    let owner = match state.users.find_by_email(email).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return,
        Err(e) => return tracing::error!(error = %e, "looking up a taken address's owner failed"),
    };
    let sign_in = format!("{}{}", state.settings.origin(), routes::SIGN_IN);
    let mail =
        crate::server::mail::compose::sign_up_attempt(&owner.email, &owner.display_name, &sign_in);
    let queued = state.mailer.enqueue_unsolicited(mail).await;
    tracing::info!(user_id = %owner.id, queued, "sign-up with a taken address; the owner was told");
}

/// The 303 to where a new session goes, carrying the device id the request was given.
pub(crate) fn signed_in_at(target: &str, context: &RequestContext) -> Response {
    with_device_cookie(
        Redirect::to(target).into_response(),
        context.device_cookie(),
    )
}
