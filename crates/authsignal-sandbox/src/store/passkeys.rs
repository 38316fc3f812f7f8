use sqlx::FromRow;

use super::{ActionKey, AuthenticatorRow, Store};

/// Why a ceremony was started; one of each may be in flight per action.
pub(crate) const CEREMONY_REGISTER: &str = "register";
pub(crate) const CEREMONY_AUTHENTICATE: &str = "authenticate";

#[derive(Debug, Clone, FromRow)]
pub(crate) struct CeremonyRow {
    /// webauthn-rs's registration / authentication state as JSON.
    pub state: String,
    pub created_at: i64,
}

impl Store {
    /// Keeps the server half of a ceremony, replacing any earlier one for the same
    /// action and purpose (only the newest challenge shown can be answered).
    pub(crate) async fn save_ceremony(
        &self,
        action: &ActionKey,
        purpose: &str,
        state: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO passkey_ceremonies (user_id, action_code, idempotency_key, purpose, state, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, action_code, idempotency_key, purpose)
             DO UPDATE SET state = excluded.state, created_at = excluded.created_at",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(purpose)
        .bind(state)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes and returns the ceremony, so one answer is checked against it at most once.
    pub(crate) async fn take_ceremony(
        &self,
        action: &ActionKey,
        purpose: &str,
    ) -> sqlx::Result<Option<CeremonyRow>> {
        sqlx::query_as(
            "DELETE FROM passkey_ceremonies
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ? AND purpose = ?
             RETURNING state, created_at",
        )
        .bind(&action.user_id)
        .bind(&action.action_code)
        .bind(&action.idempotency_key)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await
    }

    /// Stores a credential after a successful authentication: the counter and backup
    /// state it reported, and the use itself.
    pub(crate) async fn record_passkey_use(
        &self,
        authenticator: &AuthenticatorRow,
        passkey: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE authenticators SET passkey = ?, last_verified_at = ? WHERE authenticator_id = ?",
        )
        .bind(passkey)
        .bind(now_ms)
        .bind(&authenticator.authenticator_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
