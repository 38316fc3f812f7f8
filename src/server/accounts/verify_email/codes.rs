//! Email verification codes and where each customer's verification stands: the SQL of this
//! feature, behind functions. A code is six digits, single use, works for 15 minutes and
//! survives 5 tries; the table keeps only an HMAC of it under a salt of its own, compared in
//! constant time. Each try is counted by one atomic update *before* the code is compared, so
//! parallel guesses get no more than 5 comparisons between them.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::AnyPool;

use crate::server::clock::now_unix;

pub const LIFETIME_SECS: i64 = 15 * 60;
pub const TRIES: i64 = 5;
/// A claim on the enrollment older than this belongs to a request that never finished.
const ENROLL_CLAIM_SECS: i64 = 60;

/// What a submitted code turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// The live code, now used up; the address it was sent to.
    Right {
        email: String,
    },
    /// Not the code; this many tries are left.
    Wrong {
        tries_left: i64,
    },
    Unusable(Unusable),
}

/// Why no code could be tried.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Unusable {
    NoCode,
    Used,
    TooManyTries,
    Expired,
}

/// Six digits, uniformly drawn.
fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// Six ASCII digits (spaces people paste in are dropped first); anything else is never tried.
pub fn well_formed(raw: &str) -> Option<String> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

fn mac(salt: &str, user_id: &str, code: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(user_id.as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// True when `code` is the one whose HMAC is `stored` (constant time).
fn matches(salt: &str, user_id: &str, code: &str, stored: &str) -> bool {
    unhex(stored).is_some_and(|stored| mac(salt, user_id, code).verify_slice(&stored).is_ok())
}

/// A new code for `user_id`, sent to `email`: it replaces any earlier one.
pub async fn issue(pool: &AnyPool, user_id: &str, email: &str) -> sqlx::Result<String> {
    let code = new_code();
    let salt = crate::server::ids::random_hex();
    let hash = hex(&mac(&salt, user_id, &code).finalize().into_bytes());
    let now = now_unix();
    sqlx::query(
        "INSERT INTO email_verification_codes (user_id, email, code_salt, code_hash, created_at, expires_at, tries_left, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
         ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, code_salt = excluded.code_salt,
           code_hash = excluded.code_hash, created_at = excluded.created_at,
           expires_at = excluded.expires_at, tries_left = excluded.tries_left, used_at = NULL",
    )
    .bind(user_id)
    .bind(email)
    .bind(salt)
    .bind(hash)
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .bind(TRIES)
    .execute(pool)
    .await?;
    Ok(code)
}

/// When the customer's latest code was made, if there is one.
pub async fn last_issued_at(pool: &AnyPool, user_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT created_at FROM email_verification_codes WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
}

/// Tries `code` against the customer's live code; of any number of parallel right tries,
/// exactly one gets `Right`.
pub async fn check(pool: &AnyPool, user_id: &str, code: &str) -> sqlx::Result<Checked> {
    let now = now_unix();
    let counted: Option<(String, String, String, i64)> = sqlx::query_as(
        "UPDATE email_verification_codes SET tries_left = tries_left - 1
         WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 AND tries_left > 0
         RETURNING email, code_salt, code_hash, tries_left",
    )
    .bind(user_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some((email, salt, hash, tries_left)) = counted else {
        return Ok(Checked::Unusable(why_unusable(pool, user_id, now).await?));
    };
    if !matches(&salt, user_id, code, &hash) {
        return Ok(Checked::Wrong { tries_left });
    }
    let used = sqlx::query(
        "UPDATE email_verification_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(&hash)
    .execute(pool)
    .await?;
    Ok(match used.rows_affected() {
        1 => Checked::Right { email },
        _ => Checked::Unusable(Unusable::Used),
    })
}

async fn why_unusable(pool: &AnyPool, user_id: &str, now: i64) -> sqlx::Result<Unusable> {
    let row: Option<(Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT used_at, tries_left, expires_at FROM email_verification_codes WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Unusable::NoCode,
        Some((Some(_), _, _)) => Unusable::Used,
        Some((None, tries_left, _)) if tries_left <= 0 => Unusable::TooManyTries,
        Some((None, _, expires_at)) if expires_at <= now => Unusable::Expired,
        // Used or killed between the two statements.
        Some(_) => Unusable::Used,
    })
}

/// Where the customer's email stands: (verified at, enrolled with Authsignal at).
pub async fn standing(pool: &AnyPool, user_id: &str) -> sqlx::Result<(Option<i64>, Option<i64>)> {
    let row: Option<(Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT email_verified_at, email_enrolled_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(row.unwrap_or((None, None)))
}

/// Marks the customer's email verified, if `email` (where the code went) is still theirs.
pub async fn mark_verified(pool: &AnyPool, user_id: &str, email: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email = $3 AND email_verified_at IS NULL",
    )
    .bind(now_unix())
    .bind(user_id)
    .bind(email)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Claims the enrollment of a verified, not yet enrolled email for this request: true for
/// exactly one of any number of parallel requests (and again once a claim is stale).
pub async fn claim_enrollment(pool: &AnyPool, user_id: &str) -> sqlx::Result<bool> {
    let now = now_unix();
    let claimed = sqlx::query(
        "UPDATE users SET email_enroll_started_at = $1
         WHERE id = $2 AND email_verified_at IS NOT NULL AND email_enrolled_at IS NULL
           AND (email_enroll_started_at IS NULL OR email_enroll_started_at < $3)",
    )
    .bind(now)
    .bind(user_id)
    .bind(now - ENROLL_CLAIM_SECS)
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Ends the claim: enrolled, or to be tried again later.
pub async fn finish_enrollment(pool: &AnyPool, user_id: &str, enrolled: bool) -> sqlx::Result<()> {
    let query = if enrolled {
        sqlx::query(
            "UPDATE users SET email_enrolled_at = $1, email_enroll_started_at = NULL WHERE id = $2",
        )
        .bind(now_unix())
    } else {
        sqlx::query("UPDATE users SET email_enroll_started_at = NULL WHERE id = $1")
    };
    query.bind(user_id).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_only_those_are_tried() {
        for _ in 0..100 {
            assert!(well_formed(&new_code()).is_some());
        }
        assert_eq!(well_formed(" 012 345 ").as_deref(), Some("012345"));
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(well_formed(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_code_matches_only_its_own_hash() {
        let stored = hex(&mac("salt", "u1", "123456").finalize().into_bytes());
        assert!(matches("salt", "u1", "123456", &stored));
        assert!(!matches("salt", "u1", "123457", &stored));
        assert!(!matches("salt", "u2", "123456", &stored));
        assert!(!matches("other", "u1", "123456", &stored));
        assert!(!matches("salt", "u1", "123456", "zz"));
    }
}
