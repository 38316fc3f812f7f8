//! Email / SMS codes in the UI: sending them (to the outbox), checking guesses, and
//! the "enter your code" form shared by enrollment and challenge.

use maud::{html, Markup};

use super::context::{UiContext, UiError};
use super::html::{alert, notice};
use crate::domain::Method;
use crate::otp::{CodeCheck, MAX_FAILED_ATTEMPTS};
use crate::sent_codes::{self, CodeRequest};
use crate::store::OtpCodeRow;

/// Issues a new code for this action and drops it in the outbox.
pub(crate) async fn send_code(
    ctx: &UiContext,
    purpose: &str,
    method: Method,
    destination: &str,
    authenticator_id: Option<&str>,
) -> Result<OtpCodeRow, UiError> {
    let request = CodeRequest {
        action: &ctx.key(),
        purpose,
        method,
        destination,
        authenticator_id,
    };
    sent_codes::issue(&ctx.state.store, &request, ctx.now)
        .await?
        .ok_or(UiError::Internal)
}

/// Checks one guess (the attempt is spent before the code is compared).
pub(crate) async fn check_guess(
    ctx: &UiContext,
    issued: &OtpCodeRow,
    submitted: &str,
) -> Result<CodeCheck, UiError> {
    Ok(sent_codes::check_guess(&ctx.state.store, issued, submitted, ctx.now_ms()).await?)
}

/// What to tell the user after a guess that didn't work.
pub(crate) fn failure_message(outcome: CodeCheck) -> Option<String> {
    match outcome {
        CodeCheck::Accepted => None,
        CodeCheck::Wrong { attempts_left: left } => {
            Some(format!("That code isn't right. {}", attempts_left(left)))
        }
        CodeCheck::TooManyAttempts => Some(
            "Too many incorrect attempts. This code can no longer be used — send a new code and try again.".to_owned(),
        ),
        CodeCheck::Expired => Some("This code has expired. Send a new code and try again.".to_owned()),
        CodeCheck::AlreadyUsed => Some("This code has already been used. Send a new code and try again.".to_owned()),
    }
}

/// `You have 3 attempts left.`
pub(crate) fn attempts_left(left: i64) -> String {
    let noun = if left == 1 { "attempt" } else { "attempts" };
    format!("You have {left} {noun} left.")
}

/// The state of the latest code, said before any guess (e.g. on reload).
pub(crate) fn standing_problem(ctx: &UiContext, issued: &OtpCodeRow) -> Option<String> {
    if issued.failed_attempts >= MAX_FAILED_ATTEMPTS {
        failure_message(CodeCheck::TooManyAttempts)
    } else if ctx.now_ms() >= issued.expires_at {
        failure_message(CodeCheck::Expired)
    } else {
        None
    }
}

/// The parts of a code-entry screen.
pub(crate) struct CodeScreen<'a> {
    pub intro: Markup,
    pub submit_path: &'a str,
    pub resend_path: Option<&'a str>,
    pub authenticator_id: Option<&'a str>,
    pub problem: Option<String>,
    pub info: Option<String>,
}

/// "We sent a 6-digit code to <strong>…</strong>. It expires in 10 minutes."
pub(crate) fn sent_intro(verb: &str, destination: &str) -> Markup {
    html! { "We " (verb) " a 6-digit code to " strong { (destination) } ". It expires in 10 minutes." }
}

/// The "Verification code" + "Verify" form, with "Send a new code" when codes are sent.
pub(crate) fn code_form_html(ctx: &UiContext, screen: &CodeScreen<'_>) -> Markup {
    let authenticator_field = html! {
        @if let Some(id) = screen.authenticator_id {
            input type="hidden" name="authenticatorId" value=(id);
        }
    };
    html! {
        @if let Some(info) = &screen.info { (notice(info)) }
        @if let Some(problem) = &screen.problem { (alert(problem)) }
        p { (screen.intro) }
        form method="post" action=(ctx.action_url(screen.submit_path)) novalidate {
            (ctx.hidden_token())
            (authenticator_field)
            label for="code" { "Verification code" }
            input type="text" id="code" name="code" class="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" autofocus;
            button type="submit" class="wide" { "Verify" }
        }
        div class="stack after-form" {
            @if let Some(path) = screen.resend_path {
                form method="post" action=(ctx.action_url(path)) {
                    (ctx.hidden_token())
                    (authenticator_field)
                    button type="submit" class="secondary wide" { "Send a new code" }
                }
            }
        }
    }
}
