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
