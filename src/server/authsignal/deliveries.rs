//! Which webhook deliveries were applied: a redelivered event applies once.

use sqlx::AnyPool;

/// True the first time this event id arrives.
pub async fn first(
    pool: &AnyPool,
    event_id: &str,
    event_type: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO webhook_events (event_id, event_type, received_at) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(stored_id(event_id))
    .bind(event_type.chars().take(100).collect::<String>())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Lets a redelivery apply an event whose first delivery failed half-way.
pub async fn forget(pool: &AnyPool, event_id: &str) {
    let result = sqlx::query("DELETE FROM webhook_events WHERE event_id = $1")
        .bind(stored_id(event_id))
        .execute(pool)
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "forgetting a failed webhook event failed");
    }
}

/// The event id as kept (bounded: it is the sender's text).
fn stored_id(event_id: &str) -> String {
    event_id.chars().take(200).collect()
}
