use sqlx::FromRow;

use super::{ActionKey, AuthenticatorRow, Store};

/// Why a Client API challenge was started.
pub(crate) const CLIENT_REGISTER: &str = "register";
pub(crate) const CLIENT_AUTHENTICATE: &str = "authenticate";
/// A usernameless sign-in: the user is whoever's discoverable credential answers.
pub(crate) const CLIENT_SIGN_IN: &str = "signIn";

#[derive(Debug, Clone, FromRow)]
pub(crate) struct ClientChallengeRow {
    pub challenge_id: String,
    pub user_id: Option<String>,
    pub action_code: String,
    pub idempotency_key: Option<String>,
    pub purpose: String,
    pub state: Option<String>,
    pub created_at: i64,
}

impl ClientChallengeRow {
    /// Whether this challenge was started with a token for `action`.
    pub(crate) fn belongs_to(&self, action: &ActionKey) -> bool {
        self.user_id.as_deref() == Some(action.user_id.as_str())
            && self.action_code == action.action_code
            && self.idempotency_key.as_deref() == Some(action.idempotency_key.as_str())
    }
}

impl Store {
    pub(crate) async fn save_client_challenge(&self, row: &ClientChallengeRow) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO client_challenges (challenge_id, user_id, action_code, idempotency_key, purpose, state, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (challenge_id) DO UPDATE SET state = excluded.state, created_at = excluded.created_at",
        )
        .bind(&row.challenge_id)
        .bind(&row.user_id)
        .bind(&row.action_code)
        .bind(&row.idempotency_key)
        .bind(&row.purpose)
        .bind(&row.state)
        .bind(row.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn find_client_challenge(
        &self,
        challenge_id: &str,
    ) -> sqlx::Result<Option<ClientChallengeRow>> {
        sqlx::query_as("SELECT * FROM client_challenges WHERE challenge_id = ?")
            .bind(challenge_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Removes and returns the challenge, so one answer is checked against it at most once.
    pub(crate) async fn take_client_challenge(
        &self,
        challenge_id: &str,
    ) -> sqlx::Result<Option<ClientChallengeRow>> {
        sqlx::query_as("DELETE FROM client_challenges WHERE challenge_id = ? RETURNING *")
            .bind(challenge_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The passkey authenticator with this (base64url) credential id, whoever's it is.
    pub(crate) async fn find_authenticator_by_credential(
        &self,
        credential_id: &str,
    ) -> sqlx::Result<Option<AuthenticatorRow>> {
        sqlx::query_as("SELECT * FROM authenticators WHERE credential_id = ?")
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await
    }
}
