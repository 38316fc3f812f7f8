use sqlx::FromRow;

use super::Store;

#[derive(Debug, Clone, FromRow)]
pub(crate) struct OutboxRow {
    pub to_address: String,
    pub channel: String,
    pub code: String,
    pub created_at: i64,
}

impl Store {
    /// Messages newest first, optionally only those to one address.
    pub(crate) async fn list_outbox(
        &self,
        to: Option<&str>,
        limit: i64,
    ) -> sqlx::Result<Vec<OutboxRow>> {
        sqlx::query_as(
            "SELECT to_address, channel, code, created_at FROM outbox_messages
             WHERE (? IS NULL OR to_address = ? COLLATE NOCASE) ORDER BY id DESC LIMIT ?",
        )
        .bind(to)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }
}
