//! Sign-up, sign-in and sign-out: plain HTML form posts answered with a 303 (post/redirect/get),
//! so they behave the same with JavaScript on or off. A refused form keeps what was typed
//! (never the password) in a signed cookie for the next render of the form.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::{DisplayName, Email, Password};
use crate::model::session::{FormName, FormState};
use crate::model::AppError;
use crate::routes;
use crate::server::accounts::devices;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::request_limits::PostedForm;
use crate::{server::accounts::two_step, server::accounts::two_step::Outcome};
use crate::{server::users::User, server::users::UserStoreError};
use crate::{
    server::web::request_context::client_ip, server::web::request_context::RequestContext,
};

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

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// One message for both an unknown email and a wrong password: no account enumeration.
pub const WRONG_CREDENTIALS: &str = "That email and password don't match an account.";
pub const EMAIL_TAKEN: &str = "An account with this email already exists. Sign in instead.";

/// Where to go after signing in: only a path on this site (no open redirect).
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local {
        next
    } else {
        routes::ACCOUNT
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "account form failed");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        AppError::Internal.to_string(),
    )
        .into_response()
}

/// Back to the form with what was typed and why it was refused (in a cookie, not the session).
pub(crate) fn refuse(
    state: &AppState,
    form: FormName,
    kept: FormState,
    back_to: String,
) -> Response {
    let mut response = Redirect::to(&back_to).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.form_cookies.keep(form, &kept));
    response
}

#[tracing::instrument(name = "sign_up", skip_all)]
pub async fn sign_up(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<SignUpForm>,
) -> Response {
    let kept = |error: String| FormState {
        error,
        email: form.email.trim().to_string(),
        name: form.name.trim().to_string(),
    };
    let parsed = Email::parse(&form.email).and_then(|email| {
        let name = DisplayName::parse(&form.name)?;
        let password = Password::parse(form.password.clone())?;
        Ok((email, name, password))
    });
    let (email, name, password) = match parsed {
        Ok(values) => values,
        Err(message) => {
            return refuse(
                &state,
                FormName::SignUp,
                kept(message),
                routes::SIGN_UP.into(),
            )
        }
    };
    // Counted once the form is valid: each of these costs a password hash and a new row.
    if let Err(blocked) = state
        .sign_in_limits
        .sign_up(client_ip(
            &headers,
            Some(peer),
            &state.settings.trusted_proxies,
        ))
        .await
    {
        tracing::warn!("sign-up refused: too many from this address");
        return refuse(
            &state,
            FormName::SignUp,
            kept(blocked.sign_up_message()),
            routes::SIGN_UP.into(),
        );
    }
    match state.users.create(&email, &name, password).await {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "customer signed up");
            let context = RequestContext::of_request(&headers, peer, &state.settings);
            match devices::start_session(&state, &session, &user, &context, true).await {
                Ok(()) => with_device_cookie(
                    Redirect::to(routes::ACCOUNT).into_response(),
                    context.device_cookie(),
                ),
                Err(e) => internal(e),
            }
        }
        Err(UserStoreError::EmailTaken) => refuse(
            &state,
            FormName::SignUp,
            kept(EMAIL_TAKEN.into()),
            routes::SIGN_UP.into(),
        ),
        Err(e) => internal(e),
    }
}

#[tracing::instrument(name = "sign_in", skip_all)]
pub async fn sign_in(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<SignInForm>,
) -> Response {
    let next = safe_next(&form.next).to_string();
    let email = form.email.trim().to_string();
    let back_to_form = |error: &str| {
        let kept = FormState {
            error: error.to_string(),
            email: email.clone(),
            name: String::new(),
        };
        let back = routes::sign_in_then(&next);
        (kept, back)
    };
    let settings = &state.settings;
    let ip = client_ip(&headers, Some(peer), &settings.trusted_proxies);
    // Counted before the password is checked, so a burst gets no more checks than the limit
    // and a blocked guesser costs no hashing either.
    let attempt = match state.sign_in_limits.attempt(&form.email, ip).await {
        Ok(attempt) => attempt,
        Err(blocked) => {
            tracing::warn!("sign-in refused: too many failed attempts");
            let (kept, back) = back_to_form(&blocked.message());
            return refuse(&state, FormName::SignIn, kept, back);
        }
    };
    let user = match state.users.authenticate(&form.email, form.password).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!("sign-in refused: wrong email or password");
            let (kept, back) = back_to_form(WRONG_CREDENTIALS);
            return refuse(&state, FormName::SignIn, kept, back);
        }
        Err(e) => return internal(e),
    };
    state.sign_in_limits.succeeded(attempt).await;
    let context = RequestContext::of_request(&headers, peer, settings);
    let device_cookie = context.device_cookie();
    let response = match two_step::begin(&state, &session, &user, context.clone(), &next).await {
        Ok(Outcome::SignedIn) => {
            match sign_in_with_password(&state, &session, &user, &context).await {
                Ok(()) => {
                    tracing::info!(user_id = %user.id, "customer signed in");
                    Redirect::to(&next).into_response()
                }
                Err(e) => internal(e),
            }
        }
        Ok(Outcome::Challenge { url }) => {
            tracing::info!(user_id = %user.id, "password ok; two-step challenge required");
            Redirect::to(&url).into_response()
        }
        Ok(Outcome::Refused(why)) => {
            tracing::info!(user_id = %user.id, ?why, "sign-in refused at the second step");
            let (kept, back) = back_to_form(why.at_sign_in());
            refuse(&state, FormName::SignIn, kept, back)
        }
        Err(e) => internal(e),
    };
    with_device_cookie(response, device_cookie)
}

/// Signs in after a password (and any second step): the account page may then offer a passkey.
pub(crate) async fn sign_in_with_password(
    state: &AppState,
    session: &TypedSession,
    user: &User,
    context: &RequestContext,
) -> Result<(), AppError> {
    devices::start_session(state, session, user, context, false).await?;
    session.set_passkey_offer().await
}

/// `POST /account/passkey-offer/dismiss`: "Not now" to the passkey offer, for good.
pub async fn dismiss_passkey_offer(
    State(state): State<AppState>,
    session: TypedSession,
) -> Response {
    let user_id = match session.user_id().await {
        Ok(Some(user_id)) => user_id,
        Ok(None) => return Redirect::to(&routes::sign_in_then(routes::ACCOUNT)).into_response(),
        Err(e) => return internal(e),
    };
    if let Err(e) = state.users.dismiss_passkey_offer(&user_id).await {
        return internal(e);
    }
    match session.end_passkey_offer().await {
        Ok(()) => Redirect::to(routes::ACCOUNT).into_response(),
        Err(e) => internal(e),
    }
}

pub(crate) fn with_device_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(value) = cookie {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[tracing::instrument(name = "sign_out", skip_all)]
pub async fn sign_out(session: TypedSession) -> Response {
    match session.sign_out().await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => internal(e),
    }
}

#[cfg(test)]
mod tests {
    use crate::server::accounts::sign_in::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/account"), "/account");
        assert_eq!(safe_next("/account?tab=security"), "/account?tab=security");
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "account",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/account", "{bad:?}");
        }
    }
}
