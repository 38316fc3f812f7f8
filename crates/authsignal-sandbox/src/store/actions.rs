use sqlx::FromRow;

use super::Store;
use crate::domain::CHALLENGE_SUCCEEDED;

/// Identifies one tracked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionKey {
    pub user_id: String,
    pub action_code: String,
    pub idempotency_key: String,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct ActionRow {
    pub user_id: String,
    pub action_code: String,
    pub idempotency_key: String,
    pub state: String,
    pub verification_method: Option<String>,
    pub redirect_url: Option<String>,
    pub redirect_to_settings: bool,
    pub scope: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub device_id: Option<String>,
    pub custom: Option<String>,
    pub token: String,
    pub created_at: i64,
    pub state_updated_at: i64,
    pub ui_verified_at: Option<i64>,
}

impl ActionRow {
    pub(crate) fn key(&self) -> ActionKey {
        ActionKey {
            user_id: self.user_id.clone(),
            action_code: self.action_code.clone(),
            idempotency_key: self.idempotency_key.clone(),
        }
    }
}

impl Store {
    pub(crate) async fn find_action(&self, key: &ActionKey) -> sqlx::Result<Option<ActionRow>> {
        sqlx::query_as(
            "SELECT * FROM actions WHERE user_id = ? AND action_code = ? AND idempotency_key = ?",
        )
        .bind(&key.user_id)
        .bind(&key.action_code)
        .bind(&key.idempotency_key)
        .fetch_optional(&self.pool)
        .await
    }

    /// Inserts a new action; false when one with the same key already exists (a
    /// concurrent track with the same idempotency key won).
    pub(crate) async fn insert_action(&self, row: &ActionRow) -> sqlx::Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO actions (user_id, action_code, idempotency_key, state, verification_method, redirect_url,
                redirect_to_settings, scope, email, phone_number, ip_address, user_agent, device_id, custom, token,
                created_at, state_updated_at, ui_verified_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (user_id, action_code, idempotency_key) DO NOTHING",
        )
        .bind(&row.user_id)
        .bind(&row.action_code)
        .bind(&row.idempotency_key)
        .bind(&row.state)
        .bind(&row.verification_method)
        .bind(&row.redirect_url)
        .bind(row.redirect_to_settings)
        .bind(&row.scope)
        .bind(&row.email)
        .bind(&row.phone_number)
        .bind(&row.ip_address)
        .bind(&row.user_agent)
        .bind(&row.device_id)
        .bind(&row.custom)
        .bind(&row.token)
        .bind(row.created_at)
        .bind(row.state_updated_at)
        .bind(row.ui_verified_at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted > 0)
    }

    /// Sets the state (update action); None when there is no such action.
    pub(crate) async fn set_action_state(
        &self,
        key: &ActionKey,
        state: &str,
        now_ms: i64,
    ) -> sqlx::Result<Option<ActionRow>> {
        sqlx::query_as(
            "UPDATE actions SET state = ?, state_updated_at = ?
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ? RETURNING *",
        )
        .bind(state)
        .bind(now_ms)
        .bind(&key.user_id)
        .bind(&key.action_code)
        .bind(&key.idempotency_key)
        .fetch_optional(&self.pool)
        .await
    }

    /// Records that the user completed a challenge or an enrollment in the pre-built UI;
    /// a blocked or reviewed action keeps its state.
    pub(crate) async fn mark_verified_in_ui(
        &self,
        key: &ActionKey,
        method: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE actions SET state = ?, verification_method = ?, state_updated_at = ?, ui_verified_at = ?
             WHERE user_id = ? AND action_code = ? AND idempotency_key = ?
               AND state IN ('ALLOW', 'CHALLENGE_REQUIRED', 'CHALLENGE_SUCCEEDED', 'CHALLENGE_FAILED')",
        )
        .bind(CHALLENGE_SUCCEEDED)
        .bind(method)
        .bind(now_ms)
        .bind(now_ms)
        .bind(&key.user_id)
        .bind(&key.action_code)
        .bind(&key.idempotency_key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
