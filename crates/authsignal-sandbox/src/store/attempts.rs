use super::{ActionKey, Store};

impl Store {
    /// Spends one of a challenge's attempts before its answer is checked, so parallel
    /// answers can never get more checks than allowed. Returns the attempts spent so far
    /// including this one, or None when the challenge has none left.
    pub(crate) async fn spend_challenge_attempt(
        &self,
        action: &ActionKey,
        method: &str,
        max_attempts: i64,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO challenge_attempts (user_id, action_code, idempotency_key, verification_method, failed_attempts)
             VALUES (?, ?, ?, ?, 1)
             ON CONFLICT (user_id, action_code, idempotency_key, verification_method)
             DO UPDATE SET failed_attempts = failed_attempts + 1 WHERE failed_attempts < ?
             RETURNING failed_attempts",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(method)
        .bind(max_attempts)
        .fetch_optional(&self.pool)
        .await
    }

    /// Attempts spent on this action's challenge with `method` (0 when none).
    pub(crate) async fn challenge_attempts(
        &self,
        action: &ActionKey,
        method: &str,
    ) -> sqlx::Result<i64> {
        let spent: Option<i64> = sqlx::query_scalar(
            "SELECT failed_attempts FROM challenge_attempts
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ? AND verification_method = ?",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(method)
        .fetch_optional(&self.pool)
        .await?;
        Ok(spent.unwrap_or(0))
    }

    /// A right answer ends the challenge: a later one (after the binding window) starts
    /// with every attempt again.
    pub(crate) async fn clear_challenge_attempts(
        &self,
        action: &ActionKey,
        method: &str,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "DELETE FROM challenge_attempts
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ? AND verification_method = ?",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(method)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
