//! Forgets what is no longer needed, hourly: applied webhook event ids after 30 days (a
//! redelivery comes within hours), sent or given-up mail after 7 days, and links a day after
//! they were used or expired.

use std::time::Duration;

use sqlx::AnyPool;

use crate::server::clock::now_unix;
use crate::server::recovery::tokens;

const EVERY: Duration = Duration::from_secs(60 * 60);
const DAY: i64 = 24 * 60 * 60;

pub fn spawn(pool: AnyPool) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            if let Err(e) = tidy(&pool).await {
                tracing::error!(error = %e, "housekeeping failed");
            }
        }
    })
}

/// One pass; answers how many rows went.
pub async fn tidy(pool: &AnyPool) -> sqlx::Result<u64> {
    let now = now_unix();
    let events = sqlx::query("DELETE FROM webhook_events WHERE received_at < $1")
        .bind(now - 30 * DAY)
        .execute(pool)
        .await?
        .rows_affected();
    let mail = sqlx::query(
        "DELETE FROM outgoing_mail WHERE created_at < $1 AND (sent_at IS NOT NULL OR attempts >= 12)",
    )
    .bind(now - 7 * DAY)
    .execute(pool)
    .await?
    .rows_affected();
    let links = tokens::forget_old(pool).await?;
    Ok(events + mail + links)
}
