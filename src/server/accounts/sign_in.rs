//! Sign-in with a password, and sign-out: plain HTML form posts answered with a 303
//! (post/redirect/get), so they behave the same with JavaScript on or off. A refused form keeps
//! what was typed (never the password) in a signed cookie for the next render of the form.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::model::session::{FormName, FormState};
use crate::model::words;
use crate::routes;
use crate::routes::safe_next;
use crate::server::accounts::devices;
use crate::server::accounts::two_step;
use crate::server::accounts::two_step::Outcome;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::request_context::with_device_cookie;
use crate::server::web::request_context::{client_ip, RequestContext};
use crate::server::web::request_limits::PostedForm;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[tracing::instrument(name = "sign_in", skip_all)]
pub async fn sign_in(
    State(state): State<AppState>,
    session: TypedSession,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    PostedForm(form): PostedForm<SignInForm>,
) -> PageResult {
    let next = safe_next(&form.next).to_string();
    let refuse = |error: &str| -> PageResult {
        let kept = FormState {
            error: error.to_string(),
            email: form.email.trim().to_string(),
            name: String::new(),
        };
        let back = routes::sign_in_then(&next);
        Ok(state.form_cookies.refuse(FormName::SignIn, kept, back))
    };
    let ip = client_ip(&headers, Some(peer), &state.settings.trusted_proxies);
    // Counted before the password is checked, so a burst gets no more checks than the limit
    // and a blocked guesser costs no hashing either.
    let attempt = match state.sign_in_limits.attempt(&form.email, ip).await {
        Ok(attempt) => attempt,
        Err(blocked) => {
            tracing::warn!("sign-in refused: too many failed attempts");
            return refuse(&blocked.message());
        }
    };
    let Some(user) = state
        .users
        .authenticate(&form.email, form.password.clone())
        .await?
    else {
        tracing::info!("sign-in refused: wrong email or password");
        return refuse(words::WRONG_CREDENTIALS);
    };
    state.sign_in_limits.succeeded(attempt).await;
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let response = match two_step::begin(&state, &session, &user, context.clone(), &next).await? {
        Outcome::SignedIn => {
            devices::sign_in_with_password(&state, &session, &user, &context).await?;
            tracing::info!(user_id = %user.id, "customer signed in");
            Redirect::to(&next).into_response()
        }
        Outcome::Challenge { url } => {
            tracing::info!(user_id = %user.id, "password ok; two-step challenge required");
            Redirect::to(&url).into_response()
        }
        Outcome::Refused(why) => {
            tracing::info!(user_id = %user.id, ?why, "sign-in refused at the second step");
            refuse(why.at_sign_in())?
        }
    };
    Ok(with_device_cookie(response, context.device_cookie()))
}

#[tracing::instrument(name = "sign_out", skip_all)]
pub async fn sign_out(session: TypedSession) -> PageResult {
    session.sign_out().await?;
    Ok(Redirect::to(routes::HOME).into_response())
}

/// Sign-up, sign-in (password, its two-step return, passkey via server function), sign-out
/// and the signed-in devices' forms.
pub fn routes() -> Router<AppState> {
    use crate::server::accounts::{devices, sign_up, two_step};
    Router::new()
        .route(routes::SIGN_UP, post(sign_up::sign_up))
        .route(routes::SIGN_IN, post(sign_in))
        .route(routes::SIGN_IN_RETURN, get(two_step::sign_in_return))
        .route(routes::SIGN_OUT, post(sign_out))
        .route(routes::DEVICES_SIGN_OUT, post(devices::sign_out_device))
        .route(
            routes::DEVICES_SIGN_OUT_OTHERS,
            post(devices::sign_out_others),
        )
}
