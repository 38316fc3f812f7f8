//! Verified email at sign-up (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL=1`). Sign-up still signs
//! the customer in at once, then mails a 6-digit code and lands on `/verify-email`. The right
//! code marks the email verified; the account page then enrolls it with Authsignal as an
//! `EMAIL_OTP` authenticator (`enrollVerifiedAuthenticator`, shared with the admin CLI). If
//! Authsignal is down then, the email stays verified and the enrollment is tried again on the
//! next visit of `/account` (or with "Try again"): nothing is lost. Plain forms answered with
//! 303s, so it all works without JavaScript.
//!
//! ```text
//! POST /signup ──mail code──▶ /verify-email ──POST code──▶ verified ──▶ /account ──enroll──▶ Two-step sign-in is on
//!                               ▲   │ wrong / expired / used up: back with a message       └─ Authsignal down ─▶ "not on yet", retried
//!                               └── POST /verify-email/resend (a short wait, 5 an hour per address)
//! ```

pub mod codes;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use crate::model::session::{FormName, FormState};
use crate::model::verification::EmailVerification;
use crate::model::words;
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::enroll_verified::{self, ChangedBy};
use crate::server::clock::now_unix;
use crate::server::state::AppState;
use crate::server::users::User;
use crate::server::web::error::PageResult;
use crate::server::web::extract::{Caller, SignedIn};
use crate::server::web::request_context::{origin_of, Origin, RequestContext};
use crate::server::web::request_limits::PostedForm;
use codes::{Checked, Unusable};

/// "Send a new code" works this long after the last code.
pub const RESEND_WAIT_SECS: i64 = 30;

/// The code form, "Send a new code" and "Try again" (behind sessions).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(routes::VERIFY_EMAIL, post(verify_email))
        .route(routes::VERIFY_EMAIL_RESEND, post(resend_code))
        .route(routes::VERIFY_EMAIL_ENROLL, post(retry_enrollment))
}

/// Right after sign-up (setting on): mails the first code. Where the new session goes.
pub async fn after_sign_up(state: &AppState, user: &User) -> String {
    match send_code(state, user).await {
        Ok(()) => format!("{}?sent=signup", routes::VERIFY_EMAIL),
        // The page offers "Send a new code"; the account is made and signed in regardless.
        Err(why) => {
            tracing::warn!(user_id = %user.id, %why, "no verification code at sign-up");
            routes::VERIFY_EMAIL.to_string()
        }
    }
}

/// Mails a new code to the customer, unless one went out moments ago or the address had its
/// codes for the hour. The refusal is a sentence for the customer.
async fn send_code(state: &AppState, user: &User) -> Result<(), String> {
    if let Some(wait) = resend_in(state, &user.id).await.filter(|s| *s > 0) {
        return Err(words::code_wait(wait));
    }
    if let Err(blocked) = state.sign_in_limits.verification_code(&user.email).await {
        return Err(blocked.verification_code_message());
    }
    let code = codes::issue(&state.pool, &user.id, &user.email)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "issuing a verification code failed");
            AppError::Internal.to_string()
        })?;
    let url = format!("{}{}", state.settings.origin(), routes::VERIFY_EMAIL);
    let minutes = codes::LIFETIME_SECS / 60;
    let mail = crate::server::mail::compose::verification_code(
        &user.email,
        &user.display_name,
        &code,
        minutes,
        &url,
    );
    if !state.mailer.enqueue(mail).await {
        return Err(AppError::Internal.to_string());
    }
    tracing::info!(user_id = %user.id, "verification code mailed");
    Ok(())
}

/// Seconds until "Send a new code" works again (≤ 0: now); `None` before any code.
async fn resend_in(state: &AppState, user_id: &str) -> Option<i64> {
    match codes::last_issued_at(&state.pool, user_id).await {
        Ok(at) => at.map(|at| at + RESEND_WAIT_SECS - now_unix()),
        Err(e) => {
            tracing::error!(error = %e, "reading the last verification code failed");
            None
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Back to the verify page with `error`.
fn back_with(state: &AppState, error: String) -> Response {
    let kept = FormState {
        error,
        ..FormState::default()
    };
    state
        .form_cookies
        .refuse(FormName::VerifyEmail, kept, routes::VERIFY_EMAIL.into())
}

fn to_account() -> Response {
    Redirect::to(routes::ACCOUNT).into_response()
}

/// The signed-in customer's row, while the setting is on and the email not yet verified.
async fn unverified(
    state: &AppState,
    user_id: &str,
) -> Result<Option<User>, crate::server::web::error::PageError> {
    if !state.settings.sign_up_verifies_email {
        return Ok(None);
    }
    let (verified_at, _) = codes::standing(&state.pool, user_id).await?;
    if verified_at.is_some() {
        return Ok(None);
    }
    Ok(state.users.find_by_id(user_id).await?)
}

/// `POST /verify-email`: the code from the mail. Right, the email is verified and the
/// customer goes on to the account page (which turns two-step sign-in on); otherwise back
/// with what was wrong.
#[tracing::instrument(name = "verify_email", skip_all)]
pub async fn verify_email(
    State(state): State<AppState>,
    SignedIn { user_id, .. }: SignedIn,
    PostedForm(form): PostedForm<CodeForm>,
) -> PageResult {
    if !state.settings.sign_up_verifies_email {
        return Ok(to_account());
    }
    let Some(code) = codes::well_formed(&form.code) else {
        return Ok(back_with(&state, words::CODE_MALFORMED.into()));
    };
    let checked = codes::check(&state.pool, &user_id, &code).await?;
    let message = match checked {
        Checked::Right { email } => {
            codes::mark_verified(&state.pool, &user_id, &email).await?;
            tracing::info!(user_id = %user_id, "email verified");
            return Ok(to_account());
        }
        Checked::Wrong { tries_left } => {
            tracing::info!(user_id = %user_id, tries_left, "wrong verification code");
            words::code_wrong(tries_left)
        }
        Checked::Unusable(why) => {
            tracing::info!(user_id = %user_id, ?why, "verification code unusable");
            let message = match why {
                Unusable::NoCode => words::CODE_NONE,
                Unusable::Used => words::CODE_USED,
                Unusable::TooManyTries => words::CODE_TOO_MANY_TRIES,
                Unusable::Expired => words::CODE_EXPIRED,
            };
            message.to_string()
        }
    };
    Ok(back_with(&state, message))
}

/// `POST /verify-email/resend`: "Send a new code".
#[tracing::instrument(name = "verify_email_resend", skip_all)]
pub async fn resend_code(
    State(state): State<AppState>,
    SignedIn { user_id, .. }: SignedIn,
) -> PageResult {
    let Some(user) = unverified(&state, &user_id).await? else {
        return Ok(to_account());
    };
    Ok(match send_code(&state, &user).await {
        Ok(()) => Redirect::to(&format!("{}?sent=1", routes::VERIFY_EMAIL)).into_response(),
        Err(why) => back_with(&state, why),
    })
}

/// `POST /verify-email/enroll`: "Try again" after Authsignal was down; the account page shows
/// how it went.
#[tracing::instrument(name = "verify_email_enroll", skip_all)]
pub async fn retry_enrollment(
    State(state): State<AppState>,
    SignedIn { user_id, session }: SignedIn,
    headers: HeaderMap,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> PageResult {
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    if let Some(user) = state.users.find_by_id(&user_id).await? {
        if enroll_pending(&state, &user, &origin_of(&context)).await == Some(true) {
            session
                .set_notice(
                    crate::model::security::NoticeTone::Success,
                    words::EMAIL_VERIFIED,
                )
                .await?;
        }
    }
    Ok(to_account())
}

/// Where the signed-in caller's verification stands, for the pages. A verified email not yet
/// enrolled is enrolled now (that is the retry on the next visit).
pub async fn load() -> Result<EmailVerification, AppError> {
    let Caller { user_id, state, .. } = Caller::signed_in().await?;
    if !state.settings.sign_up_verifies_email {
        return Ok(EmailVerification::Off);
    }
    let failed = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "reading the email verification failed");
        AppError::Internal
    };
    let (verified_at, enrolled_at) = codes::standing(&state.pool, &user_id)
        .await
        .map_err(|e| failed(&e))?;
    let user = state
        .users
        .find_signed_in(&user_id)
        .await
        .map_err(|e| failed(&e))?
        .ok_or(AppError::NotSignedIn)?;
    Ok(match (verified_at, enrolled_at) {
        (None, _) => EmailVerification::Unverified {
            email: user.email,
            resend_in: resend_in(&state, &user_id).await.unwrap_or(0).max(0),
        },
        (Some(_), Some(_)) => EmailVerification::Verified,
        (Some(_), None) => {
            let context = RequestContext::of_server_fn(&state.settings).await?;
            match enroll_pending(&state, &user, &origin_of(&context)).await {
                Some(true) => EmailVerification::JustEnrolled,
                // Another request is enrolling it this moment.
                None => EmailVerification::Verified,
                Some(false) => EmailVerification::EnrollmentPending,
            }
        }
    })
}

/// Enrolls the customer's verified email with Authsignal, if it is still to do: `Some(true)`
/// done now, `Some(false)` still to do (Authsignal down; logged), `None` nothing to do here
/// (already done, or another request is on it).
async fn enroll_pending(state: &AppState, user: &User, origin: &Origin) -> Option<bool> {
    match codes::claim_enrollment(&state.pool, &user.id).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => {
            tracing::error!(error = %e, "claiming the email enrollment failed");
            return Some(false);
        }
    }
    let enrolled = enroll_email(state, user, origin).await;
    if let Err(e) = &enrolled {
        tracing::warn!(user_id = %user.id, error = %e, "turning on two-step sign-in for a verified email failed; will retry");
    }
    if let Err(e) = codes::finish_enrollment(&state.pool, &user.id, enrolled.is_ok()).await {
        tracing::error!(error = %e, "recording the email enrollment failed");
    }
    Some(enrolled.is_ok())
}

/// The `EMAIL_OTP` authenticator for the customer's address, unless Authsignal already has it
/// (an earlier try may have gone through and only its answer been lost).
async fn enroll_email(
    state: &AppState,
    user: &User,
    origin: &Origin,
) -> Result<(), authsignal::Error> {
    let request = authsignal::EnrollVerifiedAuthenticatorRequest::email_otp(&user.email);
    let existing = state.authsignal.get_authenticators(&user.id).await?;
    if enroll_verified::has_email(&existing, &request.verification_method, &user.email) {
        return Ok(());
    }
    let by = ChangedBy::Browser {
        browser: &origin.browser,
        network: &origin.network,
    };
    enroll_verified::enroll(&state.users, &state.authsignal, user, &request, by).await?;
    tracing::info!(user_id = %user.id, "verified email enrolled for two-step sign-in");
    // With webhooks on, the activity line and the receipt come from Authsignal's event.
    if !state.settings.webhooks_on() {
        let line = format!("Added email codes for {}", user.email);
        state
            .events
            .record(&user.id, EventKind::Change, &line)
            .await;
    }
    Ok(())
}
