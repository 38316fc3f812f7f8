//! The webhook outbox: events queued inside the transaction of the change they describe,
//! and what each delivery attempt got back.

use std::sync::Arc;

use sqlx::{FromRow, SqliteConnection};
use tokio::sync::Notify;

use super::{default_authenticator, AuthenticatorRow, Store, UserRow};

/// The authenticator event types Authsignal sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthenticatorEvent {
    Created,
    Updated,
    Deleted,
}

impl AuthenticatorEvent {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AuthenticatorEvent::Created => "authenticator.created",
            AuthenticatorEvent::Updated => "authenticator.updated",
            AuthenticatorEvent::Deleted => "authenticator.deleted",
        }
    }
}

/// An event ready to be queued: its id and the exact body every attempt sends.
#[derive(Debug, Clone)]
pub(crate) struct WebhookEvent {
    pub id: String,
    pub event_type: AuthenticatorEvent,
    pub body: String,
}

/// Builds the event for a change (what `webhooks::authenticator_event` does): handed in
/// with the sink, so the store queues events without importing the code that shapes them.
pub(crate) type RenderEvent =
    fn(AuthenticatorEvent, &AuthenticatorRow, bool, &str, i64) -> serde_json::Result<WebhookEvent>;

/// Where authenticator changes are told when a webhook URL is configured.
#[derive(Debug, Clone)]
pub(crate) struct EventSink {
    /// The `tenantId` events carry.
    pub tenant_id: String,
    /// The delivery task, woken after each commit that queued events.
    pub wake: Arc<Notify>,
    /// Shapes each event's body.
    pub render: RenderEvent,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub abandoned_at: Option<i64>,
}

/// What one POST got.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub delivered: bool,
    /// The last attempt allowed failed too.
    pub abandoned: bool,
}

impl Store {
    /// This store with (or without) an event sink; changes queue events only with one.
    pub(crate) fn with_events(mut self, events: Option<EventSink>) -> Store {
        self.events = events;
        self
    }

    /// The id of the user's default authenticator as `conn` sees it now; None without a
    /// sink (nothing will compare it).
    pub(super) async fn default_authenticator_id(
        &self,
        conn: &mut SqliteConnection,
        user_id: &str,
    ) -> sqlx::Result<Option<String>> {
        if self.events.is_none() {
            return Ok(None);
        }
        let (user, authenticators) = user_and_authenticators(conn, user_id).await?;
        Ok(default_authenticator(user.as_ref(), &authenticators)
            .map(|a| a.authenticator_id.clone()))
    }

    /// Queues the event for `change` (if any) and, when the user's default authenticator is
    /// now another one than `default_before`, an `authenticator.updated` for it — inside
    /// the change's own transaction, so the events and the change commit together.
    pub(super) async fn queue_authenticator_events(
        &self,
        conn: &mut SqliteConnection,
        user_id: &str,
        change: Option<(AuthenticatorEvent, &AuthenticatorRow)>,
        default_before: Option<String>,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let Some(sink) = &self.events else {
            return Ok(());
        };
        let (user, authenticators) = user_and_authenticators(conn, user_id).await?;
        let default_now = default_authenticator(user.as_ref(), &authenticators);
        let is_default = |row: &AuthenticatorRow| {
            default_now.is_some_and(|d| d.authenticator_id == row.authenticator_id)
        };
        if let Some((event_type, row)) = change {
            queue(conn, sink, event_type, row, is_default(row), now_ms).await?;
        }
        let changed_id = change.map(|(_, row)| row.authenticator_id.as_str());
        if let Some(new_default) = default_now.filter(|d| {
            default_before.as_deref() != Some(d.authenticator_id.as_str())
                && changed_id != Some(d.authenticator_id.as_str())
        }) {
            queue(
                conn,
                sink,
                AuthenticatorEvent::Updated,
                new_default,
                true,
                now_ms,
            )
            .await?;
        }
        Ok(())
    }

    /// Tells the delivery task that events were committed.
    pub(super) fn wake_webhooks(&self) {
        if let Some(sink) = &self.events {
            sink.wake.notify_one();
        }
    }

    /// The oldest event neither delivered nor given up on.
    pub(crate) async fn next_webhook_delivery(&self) -> sqlx::Result<Option<DeliveryRow>> {
        sqlx::query_as(
            "SELECT * FROM webhook_deliveries WHERE delivered_at IS NULL AND abandoned_at IS NULL
             ORDER BY id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
    }

    pub(crate) async fn record_webhook_attempt(
        &self,
        id: i64,
        attempt: &Attempt,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?,
                delivered_at = CASE WHEN ? THEN ? END, abandoned_at = CASE WHEN ? THEN ? END
             WHERE id = ?",
        )
        .bind(attempt.status.map(i64::from))
        .bind(&attempt.error)
        .bind(attempt.delivered)
        .bind(now_ms)
        .bind(attempt.abandoned)
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every event queued, oldest first (the test hook lists them).
    pub(crate) async fn list_webhook_deliveries(&self) -> sqlx::Result<Vec<DeliveryRow>> {
        sqlx::query_as("SELECT * FROM webhook_deliveries ORDER BY id")
            .fetch_all(&self.pool)
            .await
    }
}

async fn user_and_authenticators(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> sqlx::Result<(Option<UserRow>, Vec<AuthenticatorRow>)> {
    let user = sqlx::query_as("SELECT * FROM users WHERE user_id = ?")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let authenticators =
        sqlx::query_as("SELECT * FROM authenticators WHERE user_id = ? ORDER BY created_at, rowid")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok((user, authenticators))
}

async fn queue(
    conn: &mut SqliteConnection,
    sink: &EventSink,
    event_type: AuthenticatorEvent,
    row: &AuthenticatorRow,
    is_default: bool,
    now_ms: i64,
) -> sqlx::Result<()> {
    let event = (sink.render)(event_type, row, is_default, &sink.tenant_id, now_ms)
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (event_id, event_type, body, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(&event.id)
    .bind(event.event_type.as_str())
    .bind(&event.body)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
