//! Single-use, expiring links mailed to a customer. The token itself is only ever in the
//! mail; the table keeps its SHA-256, so a database leak hands out no working links.

use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::server::clock::now_unix;

/// What a link is for, and how long it works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// "This wasn't me" in a receipt: sign out everywhere, then a new password.
    NotMe,
    /// Choosing a new password.
    ResetPassword,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::NotMe => "not_me",
            LinkPurpose::ResetPassword => "reset_password",
        }
    }

    pub fn lifetime_secs(self) -> i64 {
        match self {
            LinkPurpose::NotMe => 7 * 24 * 60 * 60,
            LinkPurpose::ResetPassword => 15 * 60,
        }
    }
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Tokens we could have issued: 64 hex characters. Anything else is refused unread.
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Issues a new link token for `user_id` (256 random bits).
pub async fn issue(pool: &AnyPool, user_id: &str, purpose: LinkPurpose) -> sqlx::Result<String> {
    issue_about(pool, user_id, purpose, None).await
}

/// A link about one thing: a "This wasn't me" for an added authenticator undoes it.
pub async fn issue_about(
    pool: &AnyPool,
    user_id: &str,
    purpose: LinkPurpose,
    subject: Option<&str>,
) -> sqlx::Result<String> {
    let token = format!(
        "{}{}",
        crate::server::ids::random_hex(),
        crate::server::ids::random_hex()
    );
    let now = now_unix();
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, subject, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(subject)
    .bind(now)
    .bind(now + purpose.lifetime_secs())
    .execute(pool)
    .await?;
    Ok(token)
}

/// The customer a still-usable token belongs to, without using it up.
pub async fn peek(
    pool: &AnyPool,
    token: &str,
    purpose: LinkPurpose,
) -> sqlx::Result<Option<String>> {
    if !well_formed(token) {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT user_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash(token))
    .bind(purpose.as_str())
    .bind(now_unix())
    .fetch_optional(pool)
    .await
}

/// Uses the token up: of any number of parallel uses, exactly one gets the customer.
pub async fn consume(
    pool: &AnyPool,
    token: &str,
    purpose: LinkPurpose,
) -> sqlx::Result<Option<String>> {
    Ok(consume_about(pool, token, purpose)
        .await?
        .map(|(user_id, _)| user_id))
}

/// Like `consume`, also answering what the link was about.
pub async fn consume_about(
    pool: &AnyPool,
    token: &str,
    purpose: LinkPurpose,
) -> sqlx::Result<Option<(String, Option<String>)>> {
    if !well_formed(token) {
        return Ok(None);
    }
    let now = now_unix();
    sqlx::query_as(
        "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
         RETURNING user_id, subject",
    )
    .bind(now)
    .bind(hash(token))
    .bind(purpose.as_str())
    .fetch_optional(pool)
    .await
}

/// Forgets links that ended more than a day ago (used or expired).
pub async fn forget_old(pool: &AnyPool) -> sqlx::Result<u64> {
    let day_ago = now_unix() - 24 * 60 * 60;
    let deleted = sqlx::query("DELETE FROM account_tokens WHERE expires_at < $1 OR used_at < $1")
        .bind(day_ago)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// Uses up every open link of this purpose for the customer (after a reset, older reset
/// links must not work any more).
pub async fn revoke_all(pool: &AnyPool, user_id: &str, purpose: LinkPurpose) -> sqlx::Result<()> {
    sqlx::query("UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(now_unix())
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(pool)
        .await?;
    Ok(())
}
