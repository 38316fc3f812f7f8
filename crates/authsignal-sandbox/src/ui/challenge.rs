//! The challenge: prove it's you with an enrolled method (the default first, the others
//! one click away).

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::codes::{
    attempts_left, check_guess, code_form_html, failure_message, send_code, sent_intro,
    standing_problem, CodeScreen,
};
use super::context::{UiContext, UiError};
use super::extract::Ui;
use super::html::{alert, page, return_link};
use super::{after_verification, passkey};
use crate::domain::Method;
use crate::otp::{CodeCheck, MAX_FAILED_ATTEMPTS};
use crate::store::{AuthenticatorRow, OtpCodeRow, PURPOSE_CHALLENGE};
use crate::totp;
use crate::wire::masked;

/// The authenticator asked for, or the default one.
fn chosen<'a>(ctx: &'a UiContext, authenticator_id: Option<&str>) -> Option<&'a AuthenticatorRow> {
    let ordered = ctx.authenticators_default_first();
    authenticator_id
        .and_then(|id| ordered.iter().copied().find(|a| a.authenticator_id == id))
        .or_else(|| ordered.first().copied())
}

fn method_of(authenticator: &AuthenticatorRow) -> Method {
    Method::parse(&authenticator.verification_method).unwrap_or(Method::EmailOtp)
}

fn destination_of(authenticator: &AuthenticatorRow) -> String {
    authenticator
        .email
        .clone()
        .or_else(|| authenticator.phone_number.clone())
        .unwrap_or_default()
}

/// Renders the challenge screen for one authenticator.
fn challenge_page(
    ctx: &UiContext,
    authenticator: &AuthenticatorRow,
    problem: Option<String>,
    info: Option<String>,
) -> Response {
    let method = method_of(authenticator);
    let intro = match method {
        Method::AuthenticatorApp => html! { "Enter the 6-digit code from your authenticator app." },
        Method::Sms => sent_intro("texted", &masked(&destination_of(authenticator))),
        _ => sent_intro("emailed", &masked(&destination_of(authenticator))),
    };
    let form = code_form_html(
        ctx,
        &CodeScreen {
            intro,
            submit_path: "/challenge",
            resend_path: method.outbox_channel().map(|_| "/challenge/resend"),
            authenticator_id: Some(&authenticator.authenticator_id),
            problem: problem.clone(),
            info,
        },
    );
    let others = other_ways(ctx, authenticator);
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        "Verify it's you",
        html! {
            h1 { "Verify it's you" }
            (form)
            @if let Some(others) = others { (others) }
        },
    )
}

/// "Or verify another way": the user's other authenticators, one button each (None when
/// there are none). One passkey ceremony covers all of a user's passkeys, so they share one
/// "Passkey" button.
pub(crate) fn other_ways(ctx: &UiContext, current: &AuthenticatorRow) -> Option<Markup> {
    let mut offered: Vec<Method> = vec![method_of(current)];
    let mut others: Vec<(&AuthenticatorRow, Method)> = Vec::new();
    for a in ctx.authenticators_default_first() {
        let method = method_of(a);
        if a.authenticator_id == current.authenticator_id
            || (method == Method::Passkey && offered.contains(&Method::Passkey))
        {
            continue;
        }
        offered.push(method);
        others.push((a, method));
    }
    if others.is_empty() {
        return None;
    }
    Some(html! {
        h2 { "Or verify another way" }
        div class="choices" {
            @for (a, method) in others {
                form method="get" action=(ctx.action_url("/challenge")) {
                    (ctx.hidden_token())
                    input type="hidden" name="authenticatorId" value=(a.authenticator_id);
                    button type="submit" class="choice" { (method.label()) }
                }
            }
        }
    })
}

/// The code to check for an email / SMS authenticator, sending one if none is live.
/// A burnt or expired code is not replaced behind the user's back: they are told, and
/// "Send a new code" gets another.
async fn current_code(
    ctx: &UiContext,
    authenticator: &AuthenticatorRow,
) -> Result<OtpCodeRow, UiError> {
    let latest = ctx
        .state
        .store
        .latest_code(
            &ctx.key(),
            PURPOSE_CHALLENGE,
            Some(&authenticator.authenticator_id),
        )
        .await?;
    match latest {
        Some(code) if code.consumed_at.is_none() => Ok(code),
        _ => {
            send_code(
                ctx,
                PURPOSE_CHALLENGE,
                method_of(authenticator),
                &destination_of(authenticator),
                Some(&authenticator.authenticator_id),
            )
            .await
        }
    }
}

/// `GET /ui/challenge`.
pub(crate) async fn challenge_form(Ui { ctx, params, .. }: Ui) -> Result<Response, UiError> {
    let Some(authenticator) = chosen(&ctx, params.authenticator_id.as_deref()) else {
        return Ok(ctx.go("/enroll", &[]));
    };
    if method_of(authenticator) == Method::Passkey {
        return passkey::challenge::challenge_page(&ctx, authenticator, None).await;
    }
    if method_of(authenticator) == Method::AuthenticatorApp
        && is_locked(&ctx, Method::AuthenticatorApp).await?
    {
        return Ok(locked_page(&ctx, authenticator));
    }
    let mut problem = None;
    if method_of(authenticator).outbox_channel().is_some() {
        let code = current_code(&ctx, authenticator).await?;
        problem = standing_problem(&ctx, &code);
    }
    let info =
        (params.notice.as_deref() == Some("sent")).then(|| "We sent you a new code.".to_owned());
    Ok(challenge_page(&ctx, authenticator, problem, info))
}

/// How an answer to the challenge went.
enum Answer {
    Accepted,
    Refused(String),
    /// Too many failed answers: this challenge takes no more with this method.
    Locked,
}

/// `POST /ui/challenge`: checks the code.
pub(crate) async fn submit_code(Ui { ctx, params, .. }: Ui) -> Result<Response, UiError> {
    let Some(authenticator) = chosen(&ctx, params.authenticator_id.as_deref()) else {
        return Ok(ctx.go("/enroll", &[]));
    };
    let again = || {
        ctx.go(
            "/challenge",
            &[("authenticatorId", &authenticator.authenticator_id)],
        )
    };
    // A passkey is answered at /challenge/passkey, never with a code.
    if method_of(authenticator) == Method::Passkey {
        return Ok(again());
    }
    let submitted = params.code.unwrap_or_default();
    if submitted.trim().is_empty() {
        return Ok(challenge_page(
            &ctx,
            authenticator,
            Some("Enter the 6-digit code.".to_owned()),
            None,
        ));
    }
    let answer = match method_of(authenticator) {
        Method::AuthenticatorApp => check_totp(&ctx, authenticator, &submitted).await?,
        _ => match sent_code_answer(&ctx, authenticator, &submitted).await? {
            Some(answer) => answer,
            None => return Ok(again()),
        },
    };
    match answer {
        Answer::Accepted => {}
        Answer::Refused(message) => {
            return Ok(challenge_page(&ctx, authenticator, Some(message), None))
        }
        Answer::Locked => return Ok(locked_page(&ctx, authenticator)),
    }
    ctx.state
        .store
        .touch_authenticator(&authenticator.authenticator_id, ctx.now_ms())
        .await?;
    ctx.state
        .store
        .mark_verified_in_ui(&ctx.key(), &authenticator.verification_method, ctx.now_ms())
        .await?;
    Ok(after_verification(&ctx, None))
}

/// Checks a guess at the emailed / texted code; None when no code was sent yet. A burnt
/// code is refused on the code screen, where "Send a new code" starts again.
async fn sent_code_answer(
    ctx: &UiContext,
    authenticator: &AuthenticatorRow,
    submitted: &str,
) -> Result<Option<Answer>, UiError> {
    let latest = ctx
        .state
        .store
        .latest_code(
            &ctx.key(),
            PURPOSE_CHALLENGE,
            Some(&authenticator.authenticator_id),
        )
        .await?;
    let Some(issued) = latest else {
        return Ok(None);
    };
    Ok(Some(match check_guess(ctx, &issued, submitted).await? {
        CodeCheck::Accepted => Answer::Accepted,
        outcome => Answer::Refused(failure_message(outcome).unwrap_or_default()),
    }))
}

/// Whether this action's challenge with `method` has used up its attempts.
pub(crate) async fn is_locked(ctx: &UiContext, method: Method) -> Result<bool, UiError> {
    let spent = ctx
        .state
        .store
        .challenge_attempts(&ctx.key(), method.as_str())
        .await?;
    Ok(spent >= MAX_FAILED_ATTEMPTS)
}

/// The challenge after too many failed answers with `shown`'s method: no form, only the
/// way back to the app (a new visit is a new challenge) and the user's other methods.
pub(crate) fn locked_page(ctx: &UiContext, shown: &AuthenticatorRow) -> Response {
    let what = match method_of(shown) {
        Method::Passkey => "Too many failed passkey attempts. For your security, this verification can no longer use a passkey.",
        _ => "Too many incorrect codes. For your security, this verification can no longer use your authenticator app.",
    };
    let others = other_ways(ctx, shown);
    let next = if others.is_none() {
        "Go back to the app and start again."
    } else {
        "Go back to the app and start again, or verify another way below."
    };
    page(
        StatusCode::TOO_MANY_REQUESTS,
        "Verify it's you",
        html! {
            h1 { "Verify it's you" }
            (alert(&format!("{what} {next}")))
            @if let Some(url) = &ctx.action.redirect_url { (return_link(url)) }
            @if let Some(others) = others { (others) }
        },
    )
}

/// RFC 6238 check with replay protection (each time step is accepted once) and an
/// attempt limit: the attempt is spent before the code is checked, so parallel guesses
/// get no more than [`MAX_FAILED_ATTEMPTS`] checks.
async fn check_totp(
    ctx: &UiContext,
    authenticator: &AuthenticatorRow,
    submitted: &str,
) -> Result<Answer, UiError> {
    let store = &ctx.state.store;
    let method = Method::AuthenticatorApp.as_str();
    let Some(spent) = store
        .spend_challenge_attempt(&ctx.key(), method, MAX_FAILED_ATTEMPTS)
        .await?
    else {
        return Ok(Answer::Locked);
    };
    Ok(match totp_problem(ctx, authenticator, submitted).await? {
        None => {
            store.clear_challenge_attempts(&ctx.key(), method).await?;
            Answer::Accepted
        }
        Some(_) if spent >= MAX_FAILED_ATTEMPTS => Answer::Locked,
        Some(problem) => Answer::Refused(format!(
            "{problem} {}",
            attempts_left(MAX_FAILED_ATTEMPTS - spent)
        )),
    })
}

/// What is wrong with a TOTP code, if anything; a right one claims its time step.
async fn totp_problem(
    ctx: &UiContext,
    authenticator: &AuthenticatorRow,
    submitted: &str,
) -> Result<Option<&'static str>, UiError> {
    let secret = authenticator.totp_secret.as_deref().unwrap_or_default();
    let now = ctx.now.unix_timestamp();
    let replay_message =
        "This code has already been used. Wait for your authenticator app to show a new code.";
    match totp::accepted_step(secret, submitted, now, authenticator.last_totp_step) {
        Some(step)
            if ctx
                .state
                .store
                .claim_totp_step(&authenticator.authenticator_id, step)
                .await? =>
        {
            Ok(None)
        }
        Some(_) => Ok(Some(replay_message)),
        None if totp::is_replay(secret, submitted, now, authenticator.last_totp_step) => {
            Ok(Some(replay_message))
        }
        None => Ok(Some(
            "That code isn't right. Check the code your authenticator app shows now and try again.",
        )),
    }
}

/// `POST /ui/challenge/resend`.
pub(crate) async fn resend_code(Ui { ctx, params, .. }: Ui) -> Result<Response, UiError> {
    let Some(authenticator) = chosen(&ctx, params.authenticator_id.as_deref()) else {
        return Ok(ctx.go("/enroll", &[]));
    };
    if method_of(authenticator).outbox_channel().is_some() {
        send_code(
            &ctx,
            PURPOSE_CHALLENGE,
            method_of(authenticator),
            &destination_of(authenticator),
            Some(&authenticator.authenticator_id),
        )
        .await?;
    }
    Ok(ctx.go(
        "/challenge",
        &[
            ("authenticatorId", &authenticator.authenticator_id),
            ("notice", "sent"),
        ],
    ))
}
