use sqlx::FromRow;

use super::Store;

#[derive(Debug, Clone, FromRow)]
pub(crate) struct UserRow {
    pub user_id: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub phone_number: Option<String>,
    pub phone_number_verified: Option<bool>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    /// JSON object text.
    pub custom: Option<String>,
    pub default_verification_method: Option<String>,
}

/// Fields to overwrite; None leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub(crate) struct UserPatch {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub phone_number: Option<String>,
    pub phone_number_verified: Option<bool>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub custom: Option<String>,
    pub default_verification_method: Option<String>,
}

impl Store {
    /// Users come into being on first use (track, enroll, update).
    pub(crate) async fn ensure_user(&self, user_id: &str, now_ms: i64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT(user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(crate) async fn find_user(&self, user_id: &str) -> sqlx::Result<Option<UserRow>> {
        sqlx::query_as("SELECT * FROM users WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Overwrites the patch's fields; a new default method that makes another authenticator
    /// the default queues `authenticator.updated` for it.
    pub(crate) async fn update_user(
        &self,
        user_id: &str,
        patch: &UserPatch,
        now_ms: i64,
    ) -> sqlx::Result<UserRow> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT(user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let default_before = self.default_authenticator_id(&mut tx, user_id).await?;
        let user = sqlx::query_as(
            "UPDATE users SET
                email = COALESCE(?, email),
                email_verified = COALESCE(?, email_verified),
                phone_number = COALESCE(?, phone_number),
                phone_number_verified = COALESCE(?, phone_number_verified),
                username = COALESCE(?, username),
                display_name = COALESCE(?, display_name),
                locale = COALESCE(?, locale),
                custom = COALESCE(?, custom),
                default_verification_method = COALESCE(?, default_verification_method)
             WHERE user_id = ? RETURNING *",
        )
        .bind(&patch.email)
        .bind(patch.email_verified)
        .bind(&patch.phone_number)
        .bind(patch.phone_number_verified)
        .bind(&patch.username)
        .bind(&patch.display_name)
        .bind(&patch.locale)
        .bind(&patch.custom)
        .bind(&patch.default_verification_method)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        self.queue_authenticator_events(&mut tx, user_id, None, default_before, now_ms)
            .await?;
        tx.commit().await?;
        self.wake_webhooks();
        Ok(user)
    }

    /// Removes the user and, by cascade, their authenticators, actions and codes.
    pub(crate) async fn delete_user(&self, user_id: &str) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM users WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The settings screen's "Set as default"; queues `authenticator.updated` for the
    /// authenticator that became the default.
    pub(crate) async fn set_default_method(
        &self,
        user_id: &str,
        method: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        let default_before = self.default_authenticator_id(&mut tx, user_id).await?;
        sqlx::query("UPDATE users SET default_verification_method = ? WHERE user_id = ?")
            .bind(method)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        self.queue_authenticator_events(&mut tx, user_id, None, default_before, now_ms)
            .await?;
        tx.commit().await?;
        self.wake_webhooks();
        Ok(())
    }
}
