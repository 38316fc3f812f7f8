//! The security activity log, stored per customer.

use sqlx::AnyPool;

use crate::model::security::ActivityEntry;

/// What kind of thing happened (stored as text).
#[derive(Clone, Copy, Debug)]
pub enum EventKind {
    Launch,
    Return,
    Removal,
    SignIn,
    /// Something an operator did with `storefront admin`.
    Admin,
    /// An authenticator added, removed or made the default (from Authsignal's webhooks).
    Change,
    /// Another device signed out from the account page.
    Devices,
    /// "This wasn't me", a password reset.
    Recovery,
}

impl EventKind {
    fn as_str(self) -> &'static str {
        match self {
            EventKind::Launch => "launch",
            EventKind::Return => "return",
            EventKind::Removal => "removal",
            EventKind::Admin => "admin",
            EventKind::SignIn => "sign_in",
            EventKind::Change => "change",
            EventKind::Devices => "devices",
            EventKind::Recovery => "recovery",
        }
    }
}

#[derive(Clone)]
pub struct SecurityEvents {
    pool: AnyPool,
}

/// How long a return waits for the webhook of what its visit changed.
const CHANGE_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// How many events the page lists.
pub const SHOWN: i64 = 10;

impl SecurityEvents {
    pub fn new(pool: AnyPool) -> Self {
        SecurityEvents { pool }
    }

    /// Records an event; a failure is logged, never shown: the customer's action already happened.
    pub async fn record(&self, user_id: &str, kind: EventKind, detail: &str) {
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let result = sqlx::query("INSERT INTO security_events (user_id, kind, detail, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(kind.as_str())
            .bind(detail)
            .bind(now)
            .execute(&self.pool)
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "recording a security event failed");
        }
    }

    /// Waits (at most `CHANGE_WAIT`) until a change from Authsignal's webhooks is recorded
    /// for the customer at or after `since_ms` (unix milliseconds); true when one is.
    pub async fn wait_for_change(&self, user_id: &str, since_ms: i64) -> bool {
        let since =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(since_ms) * 1_000_000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        tokio::time::timeout(CHANGE_WAIT, self.change_since(user_id, since))
            .await
            .unwrap_or(false)
    }

    /// Polls until a change at or after `since` is recorded (or reading fails: false).
    async fn change_since(&self, user_id: &str, since: time::OffsetDateTime) -> bool {
        loop {
            let newest = sqlx::query_scalar::<_, String>(
                "SELECT created_at FROM security_events WHERE user_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(user_id)
            .bind(EventKind::Change.as_str())
            .fetch_optional(&self.pool)
            .await;
            let newest = match newest {
                Ok(newest) => newest.and_then(|at| {
                    time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
                        .ok()
                }),
                Err(e) => {
                    tracing::error!(error = %e, "reading recent changes failed");
                    return false;
                }
            };
            if newest.is_some_and(|at| at >= since) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The latest events, newest first.
    pub async fn latest(&self, user_id: &str) -> Result<Vec<ActivityEntry>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT detail, created_at FROM security_events WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(SHOWN)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(what, at)| ActivityEntry {
                when: crate::server::authsignal::views::date_time_words(&at),
                what,
            })
            .collect())
    }
}
