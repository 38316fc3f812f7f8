//! The sandbox's SQLite state: its own database file and its own migrations.

mod actions;
mod attempts;
mod authenticators;
mod client_challenges;
mod codes;
mod outbox;
mod passkeys;
mod users;
mod webhook_deliveries;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub(crate) use actions::{ActionKey, ActionRow};
pub(crate) use authenticators::{
    default_authenticator, default_method, AuthenticatorRow, NewAuthenticator, Removal,
};
pub(crate) use client_challenges::{
    ClientChallengeRow, CLIENT_AUTHENTICATE, CLIENT_REGISTER, CLIENT_SIGN_IN,
};
pub(crate) use codes::{NewCode, OtpCodeRow, PURPOSE_CHALLENGE, PURPOSE_ENROLL};
pub(crate) use outbox::OutboxRow;
pub(crate) use passkeys::{CeremonyRow, CEREMONY_AUTHENTICATE, CEREMONY_REGISTER};
pub(crate) use users::{UserPatch, UserRow};
pub(crate) use webhook_deliveries::{
    Attempt, AuthenticatorEvent, DeliveryRow, EventSink, WebhookEvent,
};

use crate::config::SandboxError;

#[derive(Clone)]
pub(crate) struct Store {
    pool: SqlitePool,
    /// Set when a webhook URL is configured: authenticator changes then queue events.
    events: Option<EventSink>,
}

impl Store {
    /// Opens (creating if needed) the database and applies the sandbox migrations.
    pub(crate) async fn open(database_url: &str) -> Result<Store, SandboxError> {
        let options = SqliteConnectOptions::from_str(database_url)
            .map_err(|e| {
                SandboxError::Config(format!("invalid database URL {database_url:?}: {e}"))
            })?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        // SQLite won't create missing directories itself.
        if let Some(parent) = Path::new(options.get_filename()).parent() {
            if !parent.as_os_str().is_empty() && options.get_filename() != Path::new(":memory:") {
                std::fs::create_dir_all(parent).map_err(|e| {
                    SandboxError::Config(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool, events: None })
    }

    /// A transaction that takes SQLite's write lock at once, so one that reads before it
    /// writes can't fail on a write committed in between.
    async fn begin_write(&self) -> sqlx::Result<Transaction<'static, Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}
