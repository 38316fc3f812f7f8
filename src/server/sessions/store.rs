//! Where sessions live: Redis when `REDIS_URL` is set (shared by every instance), else the
//! storefront's own database (SQLite by default, Postgres when `DATABASE_URL` says so).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions::SessionStore;
use tower_sessions_redis_store::fred::prelude::{
    ClientLike, Config, Pool as RedisPool, ReconnectPolicy,
};
use tower_sessions_redis_store::fred::types::config::{ConnectionConfig, PerformanceConfig};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::server::db::Backend;

/// How long a Redis command (or a connection attempt) may take before the request fails.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum SessionStoreError {
    #[error("session database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("REDIS_URL: {0}")]
    Redis(String),
}

/// One of the three session stores, chosen at start-up.
#[derive(Clone, Debug)]
pub enum SessionBackend {
    Sqlite(SqliteStore, sqlx::SqlitePool),
    Postgres(PostgresStore, sqlx::PgPool),
    Redis(RedisStore<RedisPool>, RedisPool),
}

impl SessionBackend {
    /// Connects the store the settings call for and creates its table if needed.
    pub async fn connect(
        database_url: &str,
        redis_url: Option<&str>,
    ) -> Result<SessionBackend, SessionStoreError> {
        if let Some(url) = redis_url {
            let pool = connect_redis(url).await?;
            let backend = SessionBackend::Redis(RedisStore::new(pool.clone()), pool);
            // Sessions written before the index (or by an older instance) are found and indexed.
            if let Err(e) = backend.index_existing_redis().await {
                tracing::error!(error = %e, "indexing the sessions already in Redis failed");
            }
            return Ok(backend);
        }
        match Backend::of(database_url) {
            Some(Backend::Postgres) => {
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect(database_url)
                    .await?;
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                let backend = SessionBackend::Postgres(store, pool);
                backend.migrate_index().await?;
                Ok(backend)
            }
            _ => {
                let options = SqliteConnectOptions::from_str(database_url)?
                    .create_if_missing(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    // A local file cannot go stale: no ping before every query.
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?;
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                let backend = SessionBackend::Sqlite(store, pool);
                backend.migrate_index().await?;
                Ok(backend)
            }
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            SessionBackend::Sqlite(..) => "sqlite",
            SessionBackend::Postgres(..) => "postgres",
            SessionBackend::Redis(..) => "redis",
        }
    }

    /// Can the store be reached right now (for `/readyz`)?
    pub async fn ping(&self) -> Result<(), String> {
        match self {
            SessionBackend::Sqlite(_, pool) => sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            SessionBackend::Postgres(_, pool) => sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            SessionBackend::Redis(_, pool) => pool
                .ping::<String>(None)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    }

    /// The Redis pool, when sessions live there (shared sign-in rate limits use it too).
    pub fn redis(&self) -> Option<RedisPool> {
        match self {
            SessionBackend::Redis(_, pool) => Some(pool.clone()),
            _ => None,
        }
    }

    /// Deletes expired sessions, and index rows of ended ones, every minute (Redis expires
    /// its own keys).
    pub fn spawn_sweeper(&self) -> Option<tokio::task::JoinHandle<()>> {
        if matches!(self, SessionBackend::Redis(..)) {
            return None;
        }
        let backend = self.clone();
        Some(tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let expired = match &backend {
                    SessionBackend::Sqlite(store, _) => store.delete_expired().await,
                    SessionBackend::Postgres(store, _) => store.delete_expired().await,
                    SessionBackend::Redis(..) => Ok(()),
                };
                if let Err(e) = expired {
                    tracing::error!(error = %e, "deleting expired sessions failed");
                }
                if let Err(e) = backend.sweep_index().await {
                    tracing::error!(error = %e, "sweeping the session index failed");
                }
            }
        }))
    }
}

/// A pool of Redis connections that reconnects by itself and bounds every command.
async fn connect_redis(url: &str) -> Result<RedisPool, SessionStoreError> {
    // The message never repeats the URL: it can carry a password.
    let config = Config::from_url(url)
        .map_err(|_| SessionStoreError::Redis("not a valid redis:// URL".into()))?;
    let performance = PerformanceConfig {
        default_command_timeout: REDIS_TIMEOUT,
        ..Default::default()
    };
    let connection = ConnectionConfig {
        connection_timeout: REDIS_TIMEOUT,
        max_command_attempts: 2,
        ..Default::default()
    };
    // Unlimited attempts, 100 ms doubling to 2 s: a Redis restart heals without a storefront restart.
    let reconnect = ReconnectPolicy::new_exponential(0, 100, 2_000, 2);
    let pool = RedisPool::new(
        config,
        Some(performance),
        Some(connection),
        Some(reconnect),
        4,
    )
    .map_err(|e| SessionStoreError::Redis(e.to_string()))?;
    match tokio::time::timeout(Duration::from_secs(5), pool.init()).await {
        Ok(Ok(_connection_task)) => Ok(pool),
        Ok(Err(e)) => Err(SessionStoreError::Redis(e.to_string())),
        Err(_) => Err(SessionStoreError::Redis("no connection within 5 s".into())),
    }
}

/// The record as tower-sessions' SQL stores encode it (MessagePack).
fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

/// True when the session still existed and was written.
fn saved(updated: Result<u64, sqlx::Error>) -> session_store::Result<bool> {
    match updated {
        Ok(0) => {
            tracing::info!("a session ended while a request was in flight; not saved back");
            Ok(false)
        }
        Ok(_) => Ok(true),
        Err(e) => Err(session_store::Error::Backend(e.to_string())),
    }
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s, _) => s.create(record).await?,
            SessionBackend::Postgres(s, _) => s.create(record).await?,
            SessionBackend::Redis(s, _) => s.create(record).await?,
        }
        self.index_owner(record).await
    }

    /// Updates a session that still exists and never inserts one: a request that was in
    /// flight when its session was deleted (sign-out) cannot bring it back. The SQL stores'
    /// own `save` upserts, so it is replaced here; Redis' already writes only existing keys.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let written = match self {
            SessionBackend::Sqlite(_, pool) => {
                let query =
                    sqlx::query("UPDATE tower_sessions SET data = ?, expiry_date = ? WHERE id = ?");
                let updated = query
                    .bind(encode(record)?)
                    .bind(record.expiry_date)
                    .bind(record.id.to_string())
                    .execute(pool)
                    .await;
                saved(updated.map(|r| r.rows_affected()))?
            }
            SessionBackend::Postgres(_, pool) => {
                let query = sqlx::query(
                    r#"UPDATE "tower_sessions"."session" SET data = $1, expiry_date = $2 WHERE id = $3"#,
                );
                let updated = query
                    .bind(encode(record)?)
                    .bind(record.expiry_date)
                    .bind(record.id.to_string())
                    .execute(pool)
                    .await;
                saved(updated.map(|r| r.rows_affected()))?
            }
            SessionBackend::Redis(s, _) => {
                s.save(record).await?;
                true
            }
        };
        if written {
            self.index_owner(record).await?;
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionBackend::Sqlite(s, _) => s.load(id).await,
            SessionBackend::Postgres(s, _) => s.load(id).await,
            SessionBackend::Redis(s, _) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s, _) => s.delete(id).await,
            SessionBackend::Postgres(s, _) => s.delete(id).await,
            SessionBackend::Redis(s, _) => s.delete(id).await,
        }
    }
}
