use sqlx::FromRow;

use super::{ActionKey, Store};

/// Why a code was issued.
pub(crate) const PURPOSE_ENROLL: &str = "enroll";
pub(crate) const PURPOSE_CHALLENGE: &str = "challenge";

#[derive(Debug, Clone, FromRow)]
pub(crate) struct OtpCodeRow {
    pub id: i64,
    pub purpose: String,
    pub authenticator_id: Option<String>,
    pub verification_method: String,
    pub destination: String,
    pub code: String,
    pub failed_attempts: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

pub(crate) struct NewCode<'a> {
    pub action: &'a ActionKey,
    pub purpose: &'a str,
    pub verification_method: &'a str,
    pub destination: &'a str,
    pub authenticator_id: Option<&'a str>,
    pub code: &'a str,
    pub channel: &'a str,
    pub now_ms: i64,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct PendingTotpRow {
    pub secret: String,
}

impl Store {
    /// Issues a code and puts it in the outbox in one go, so a code is never usable
    /// without being visible there.
    pub(crate) async fn issue_code(&self, new: &NewCode<'_>) -> sqlx::Result<OtpCodeRow> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query_as(
            "INSERT INTO otp_codes (user_id, action_code, idempotency_key, purpose, verification_method, destination,
                authenticator_id, code, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(&new.action.user_id)
        .bind(&new.action.action_code)
        .bind(&new.action.idempotency_key)
        .bind(new.purpose)
        .bind(new.verification_method)
        .bind(new.destination)
        .bind(new.authenticator_id)
        .bind(new.code)
        .bind(new.now_ms)
        .bind(new.expires_at_ms)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO outbox_messages (to_address, channel, code, created_at) VALUES (?, ?, ?, ?)")
            .bind(new.destination)
            .bind(new.channel)
            .bind(new.code)
            .bind(new.now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The newest code issued in this action for this purpose (and authenticator, for
    /// challenges).
    pub(crate) async fn latest_code(
        &self,
        action: &ActionKey,
        purpose: &str,
        authenticator_id: Option<&str>,
    ) -> sqlx::Result<Option<OtpCodeRow>> {
        sqlx::query_as(
            "SELECT * FROM otp_codes
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ? AND purpose = ?
               AND (? IS NULL OR authenticator_id = ?)
             ORDER BY id DESC LIMIT 1",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(purpose)
        .bind(authenticator_id)
        .bind(authenticator_id)
        .fetch_optional(&self.pool)
        .await
    }

    /// The newest code issued in this action for `method`, whatever it was for (the Client
    /// API verifies enrollments and challenges at the same route).
    pub(crate) async fn latest_code_for_method(
        &self,
        action: &ActionKey,
        method: &str,
    ) -> sqlx::Result<Option<OtpCodeRow>> {
        sqlx::query_as(
            "SELECT * FROM otp_codes
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ? AND verification_method = ?
             ORDER BY id DESC LIMIT 1",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(method)
        .fetch_optional(&self.pool)
        .await
    }

    /// Spends one of the code's attempts before its guess is checked, so parallel
    /// guesses can never get more checks than allowed. Returns the attempts spent before
    /// this one, or None when the code can't take a guess (used, burnt or expired).
    pub(crate) async fn spend_code_attempt(
        &self,
        code_id: i64,
        max_attempts: i64,
        now_ms: i64,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "UPDATE otp_codes SET failed_attempts = failed_attempts + 1
             WHERE id = ? AND consumed_at IS NULL AND failed_attempts < ? AND expires_at > ?
             RETURNING failed_attempts - 1",
        )
        .bind(code_id)
        .bind(max_attempts)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await
    }

    /// Uses the code up after a right guess, giving back the attempt that guess spent;
    /// false if it was used meanwhile.
    pub(crate) async fn consume_code(&self, code_id: i64, now_ms: i64) -> sqlx::Result<bool> {
        let consumed = sqlx::query(
            "UPDATE otp_codes SET consumed_at = ?, failed_attempts = failed_attempts - 1
             WHERE id = ? AND consumed_at IS NULL",
        )
        .bind(now_ms)
        .bind(code_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(consumed > 0)
    }

    pub(crate) async fn find_code(&self, code_id: i64) -> sqlx::Result<Option<OtpCodeRow>> {
        sqlx::query_as("SELECT * FROM otp_codes WHERE id = ?")
            .bind(code_id)
            .fetch_optional(&self.pool)
            .await
    }

    pub(crate) async fn pending_totp(
        &self,
        action: &ActionKey,
    ) -> sqlx::Result<Option<PendingTotpRow>> {
        sqlx::query_as("SELECT secret, created_at FROM pending_totp WHERE user_id = ? AND action_code = ? AND idempotency_key = ?")
            .bind(&action.user_id)
            .bind(&action.action_code)
            .bind(&action.idempotency_key)
            .fetch_optional(&self.pool)
            .await
    }

    /// Keeps the first secret shown for this action, so reloading the page doesn't
    /// invalidate a QR code the user already scanned.
    pub(crate) async fn get_or_create_pending_totp(
        &self,
        action: &ActionKey,
        fresh_secret: &str,
        now_ms: i64,
    ) -> sqlx::Result<PendingTotpRow> {
        sqlx::query(
            "INSERT INTO pending_totp (user_id, action_code, idempotency_key, secret, created_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (user_id, action_code, idempotency_key) DO NOTHING",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(fresh_secret)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        sqlx::query_as("SELECT secret, created_at FROM pending_totp WHERE user_id = ? AND action_code = ? AND idempotency_key = ?")
            .bind(&action.user_id)
            .bind(&action.action_code)
            .bind(&action.idempotency_key)
            .fetch_one(&self.pool)
            .await
    }

    pub(crate) async fn delete_pending_totp(&self, action: &ActionKey) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM pending_totp WHERE user_id = ? AND action_code = ? AND idempotency_key = ?")
            .bind(&action.user_id)
            .bind(&action.action_code)
            .bind(&action.idempotency_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
