//! Emailed / texted codes kept in the store: issuing one (into the outbox) and checking a
//! guess, for the pre-built UI and the Client API alike.

use time::OffsetDateTime;

use crate::clock::to_millis;
use crate::domain::Method;
use crate::otp::MAX_FAILED_ATTEMPTS;
use crate::otp::{check_code, generate_code, refusal, CodeCheck, IssuedCode, CODE_LIFETIME};
use crate::store::{ActionKey, NewCode, OtpCodeRow, Store};

/// Where a code goes and what it is for.
pub(crate) struct CodeRequest<'a> {
    pub action: &'a ActionKey,
    pub purpose: &'a str,
    pub method: Method,
    pub destination: &'a str,
    pub authenticator_id: Option<&'a str>,
}

/// Issues a new code for the action and drops it in the outbox; None for a method that
/// sends no codes.
pub(crate) async fn issue(
    store: &Store,
    request: &CodeRequest<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Option<OtpCodeRow>> {
    let Some(channel) = request.method.outbox_channel() else {
        return Ok(None);
    };
    let code = generate_code();
    let row = store
        .issue_code(&NewCode {
            action: request.action,
            purpose: request.purpose,
            verification_method: request.method.as_str(),
            destination: request.destination,
            authenticator_id: request.authenticator_id,
            code: &code,
            channel,
            now_ms: to_millis(now),
            expires_at_ms: to_millis(now + CODE_LIFETIME),
        })
        .await?;
    tracing::info!(channel, "sandbox code delivered to the outbox");
    Ok(Some(row))
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
    store: &Store,
    issued: &OtpCodeRow,
    submitted: &str,
    now_ms: i64,
) -> sqlx::Result<CodeCheck> {
    if let Some(refused) = refusal(&issued_code(issued), now_ms) {
        return Ok(refused);
    }
    let Some(spent_before) = store
        .spend_code_attempt(issued.id, MAX_FAILED_ATTEMPTS, now_ms)
        .await?
    else {
        // Parallel guesses used, burnt or outlived it meanwhile.
        let fresh = store.find_code(issued.id).await?;
        return Ok(fresh
            .and_then(|row| refusal(&issued_code(&row), now_ms))
            .unwrap_or(CodeCheck::AlreadyUsed));
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
