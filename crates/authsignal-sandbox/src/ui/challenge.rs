//! The challenge: prove it's you with an enrolled method (the default first, the others
//! one click away).

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::codes::{
    check_guess, code_form_html, failure_message, masked, send_code, standing_problem, CodeScreen,
};
use super::context::{UiContext, UiError};
use super::html::{escape, page};
use super::{after_verification, passkey, UiParams};
use crate::domain::Method;
use crate::otp::CodeCheck;
use crate::state::AppState;
use crate::store::{AuthenticatorRow, OtpCodeRow, PURPOSE_CHALLENGE};
use crate::totp;

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
        Method::AuthenticatorApp => {
            "Enter the 6-digit code from your authenticator app.".to_owned()
        }
        Method::Sms => format!(
            "We texted a 6-digit code to <strong>{}</strong>. It expires in 10 minutes.",
            escape(&masked(&destination_of(authenticator)))
        ),
        _ => format!(
            "We emailed a 6-digit code to <strong>{}</strong>. It expires in 10 minutes.",
            escape(&masked(&destination_of(authenticator)))
        ),
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
        &format!("<h1>Verify it's you</h1>{form}{others}"),
    )
}

/// "Or verify another way": the user's other authenticators, one button each. One
/// passkey ceremony covers all of a user's passkeys, so they share one "Passkey" button.
pub(crate) fn other_ways(ctx: &UiContext, current: &AuthenticatorRow) -> String {
    let mut offered: Vec<Method> = vec![method_of(current)];
    let mut buttons = String::new();
    for a in ctx.authenticators_default_first() {
        let method = method_of(a);
        if a.authenticator_id == current.authenticator_id
            || (method == Method::Passkey && offered.contains(&Method::Passkey))
        {
            continue;
        }
        offered.push(method);
        buttons.push_str(&format!(
            r#"<form method="get" action="{action}">{token}<input type="hidden" name="authenticatorId" value="{id}"><button type="submit" class="choice">{label}</button></form>"#,
            action = escape(&ctx.action_url("/challenge")),
            token = ctx.hidden_token(),
            id = escape(&a.authenticator_id),
            label = method.label(),
        ));
    }
    if buttons.is_empty() {
        String::new()
    } else {
        format!(r#"<h2>Or verify another way</h2><div class="choices">{buttons}</div>"#)
    }
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
pub(crate) async fn challenge_form(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, params.s.as_deref()).await?;
    let Some(authenticator) = chosen(&ctx, params.authenticator_id.as_deref()) else {
        return Ok(ctx.go("/enroll", &[]));
    };
    if method_of(authenticator) == Method::Passkey {
        return passkey::challenge::challenge_page(&ctx, authenticator, None).await;
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

/// `POST /ui/challenge`: checks the code.
pub(crate) async fn submit_code(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    let Some(authenticator) = chosen(&ctx, form.authenticator_id.as_deref()) else {
        return Ok(ctx.go("/enroll", &[]));
    };
    // A passkey is answered at /challenge/passkey, never with a code.
    if method_of(authenticator) == Method::Passkey {
        return Ok(ctx.go(
            "/challenge",
            &[("authenticatorId", &authenticator.authenticator_id)],
        ));
    }
    let submitted = form.code.unwrap_or_default();
    if submitted.trim().is_empty() {
        return Ok(challenge_page(
            &ctx,
            authenticator,
            Some("Enter the 6-digit code.".to_owned()),
            None,
        ));
    }
    let accepted = match method_of(authenticator) {
        Method::AuthenticatorApp => check_totp(&ctx, authenticator, &submitted).await?,
        _ => {
            let latest = state
                .store
                .latest_code(
                    &ctx.key(),
                    PURPOSE_CHALLENGE,
                    Some(&authenticator.authenticator_id),
                )
                .await?;
            let Some(issued) = latest else {
                return Ok(ctx.go(
                    "/challenge",
                    &[("authenticatorId", &authenticator.authenticator_id)],
                ));
            };
            let outcome = check_guess(&ctx, &issued, &submitted).await?;
            if outcome == CodeCheck::Accepted {
                Ok(())
            } else {
                Err(failure_message(outcome).unwrap_or_default())
            }
        }
    };
    if let Err(message) = accepted {
        return Ok(challenge_page(&ctx, authenticator, Some(message), None));
    }
    state
        .store
        .touch_authenticator(&authenticator.authenticator_id, ctx.now_ms())
        .await?;
    state
        .store
        .mark_verified_in_ui(&ctx.key(), &authenticator.verification_method, ctx.now_ms())
        .await?;
    Ok(after_verification(&ctx, None))
}

/// RFC 6238 check with replay protection: each time step is accepted once.
async fn check_totp(
    ctx: &UiContext,
    authenticator: &AuthenticatorRow,
    submitted: &str,
) -> Result<Result<(), String>, UiError> {
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
            Ok(Ok(()))
        }
        Some(_) => Ok(Err(replay_message.to_owned())),
        None if totp::is_replay(secret, submitted, now, authenticator.last_totp_step) => {
            Ok(Err(replay_message.to_owned()))
        }
        None => Ok(Err(
            "That code isn't right. Check the code your authenticator app shows now and try again."
                .to_owned(),
        )),
    }
}

/// `POST /ui/challenge/resend`.
pub(crate) async fn resend_code(
    State(state): State<AppState>,
    Form(form): Form<UiParams>,
) -> Result<Response, UiError> {
    let ctx = UiContext::load(&state, form.s.as_deref()).await?;
    let Some(authenticator) = chosen(&ctx, form.authenticator_id.as_deref()) else {
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
