//! Email / SMS codes in the UI: sending them (to the outbox), checking guesses, and
//! the "enter your code" form shared by enrollment and challenge.

use maud::{html, Markup};

use super::context::{UiContext, UiError};
use super::html::{alert, notice};
use crate::clock::to_millis;
use crate::domain::Method;
use crate::otp::{
    check_code, generate_code, refusal, CodeCheck, IssuedCode, CODE_LIFETIME, MAX_FAILED_ATTEMPTS,
};
use crate::store::{NewCode, OtpCodeRow};

/// Issues a new code for this action and drops it in the outbox.
pub(crate) async fn send_code(
    ctx: &UiContext,
    purpose: &str,
    method: Method,
    destination: &str,
    authenticator_id: Option<&str>,
) -> Result<OtpCodeRow, UiError> {
    let channel = method.outbox_channel().ok_or(UiError::Internal)?;
    let code = generate_code();
    let row = ctx
        .state
        .store
        .issue_code(&NewCode {
            action: &ctx.key(),
            purpose,
            verification_method: method.as_str(),
            destination,
            authenticator_id,
            code: &code,
            channel,
            now_ms: ctx.now_ms(),
            expires_at_ms: to_millis(ctx.now + CODE_LIFETIME),
        })
        .await?;
    tracing::info!(channel, "sandbox code delivered to the outbox");
    Ok(row)
}

fn issued_code(row: &OtpCodeRow) -> IssuedCode<'_> {
    IssuedCode {
        code: &row.code,
        failed_attempts: row.failed_attempts,
        expires_at_ms: row.expires_at,
        consumed: row.consumed_at.is_some(),
    }
}

/// Checks one guess. The attempt is spent in the store before the code is compared, so a
/// burst of parallel guesses gets no more than [`MAX_FAILED_ATTEMPTS`] checks in all.
pub(crate) async fn check_guess(
    ctx: &UiContext,
    issued: &OtpCodeRow,
    submitted: &str,
) -> Result<CodeCheck, UiError> {
    let now_ms = ctx.now_ms();
    if let Some(refused) = refusal(&issued_code(issued), now_ms) {
        return Ok(refused);
    }
    let store = &ctx.state.store;
    let Some(spent_before) = store
        .spend_code_attempt(issued.id, MAX_FAILED_ATTEMPTS, now_ms)
        .await?
    else {
        return refusal_now(ctx, issued.id).await;
    };
    let outcome = check_code(
        &IssuedCode {
            failed_attempts: spent_before,
            ..issued_code(issued)
        },
        submitted,
        now_ms,
    );
    if outcome == CodeCheck::Accepted && !store.consume_code(issued.id, now_ms).await? {
        // Someone else used it a moment ago.
        return Ok(CodeCheck::AlreadyUsed);
    }
    Ok(outcome)
}

/// Why the code refused a guess after all: parallel guesses used, burnt or outlived it.
async fn refusal_now(ctx: &UiContext, code_id: i64) -> Result<CodeCheck, UiError> {
    let fresh = ctx.state.store.find_code(code_id).await?;
    Ok(fresh
        .and_then(|row| refusal(&issued_code(&row), ctx.now_ms()))
        .unwrap_or(CodeCheck::AlreadyUsed))
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

/// `ja•••@example.com`, `•••• 0123`: enough to recognise, as Authsignal shows it.
pub(crate) fn masked(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let shown: String = local.chars().take(2).collect();
        return format!("{shown}•••@{domain}");
    }
    let digits: Vec<char> = destination.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
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

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn masks_addresses() {
        assert_eq!(masked("jane@example.com"), "ja•••@example.com");
        assert_eq!(masked("+64215550123"), "•••• 0123");
    }
}
