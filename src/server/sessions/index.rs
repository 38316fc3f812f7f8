//! Which sessions belong to which customer, in every session store: the signed-in devices
//! list and "sign out everywhere" read it. The store's own `load` decides what is still
//! alive, so an expired or deleted session drops out of the index the next time it is read.

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;
use tower_sessions::SessionStore;
use tower_sessions_redis_store::fred::prelude::{KeysInterface, SetsInterface};
use tower_sessions_redis_store::fred::types::scan::ScanType;

use crate::server::sessions::signed_in_user;
use crate::server::sessions::store::SessionBackend;

/// Created by `migrations/` on both backends, beside the customers.
const SQLITE_TABLE: &str = "session_owners";
const POSTGRES_TABLE: &str = "session_owners";
/// At most this many stored sessions are looked at by the start-up backfill.
const SQL_BACKFILL_AT_MOST: i64 = 200_000;
/// A Redis set per customer; it outlives the longest session a little.
const REDIS_SET_TTL_SECS: i64 = 31 * 24 * 60 * 60;
/// At most this many Redis keys are looked at by the start-up backfill, a page at a time.
const REDIS_SCAN_AT_MOST: usize = 200_000;
const REDIS_SCAN_PAGE: u32 = 1_000;

fn redis_key(user_id: &str) -> String {
    format!("storefront:sessions-of:{user_id}")
}

fn backend_error(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl SessionBackend {
    /// Indexes the signed-in sessions the SQL store already holds (the table itself is made
    /// by `migrations/`): a session written before the index existed, or by an older instance,
    /// is listed and reached by "sign out everywhere" too. Bounded, and logged.
    pub(crate) async fn migrate_index(&self) -> sqlx::Result<()> {
        self.index_existing().await
    }

    /// Indexes the stored signed-in sessions the index does not know yet.
    async fn index_existing(&self) -> sqlx::Result<()> {
        let rows: Vec<(String, Vec<u8>)> = match self {
            SessionBackend::Sqlite(_, pool) => {
                sqlx::query_as(&format!("SELECT id, data FROM tower_sessions WHERE id NOT IN (SELECT session_id FROM {SQLITE_TABLE}) LIMIT $1"))
                    .bind(SQL_BACKFILL_AT_MOST)
                    .fetch_all(pool)
                    .await?
            }
            SessionBackend::Postgres(_, pool) => {
                sqlx::query_as(&format!(r#"SELECT id, data FROM "tower_sessions"."session" WHERE id NOT IN (SELECT session_id FROM {POSTGRES_TABLE}) LIMIT $1"#))
                    .bind(SQL_BACKFILL_AT_MOST)
                    .fetch_all(pool)
                    .await?
            }
            SessionBackend::Redis(..) => Vec::new(),
        };
        let mut indexed = 0;
        for (_, data) in rows {
            let Ok(record) = rmp_serde::from_slice::<Record>(&data) else {
                continue;
            };
            if self.index_owner(&record).await.is_ok() && signed_in_user(&record).is_some() {
                indexed += 1;
            }
        }
        tracing::info!(indexed, "indexed the existing signed-in sessions");
        Ok(())
    }

    /// Indexes the signed-in sessions Redis already holds, found with `SCAN` (bounded, and
    /// logged): a session written before the index existed is listed and can be ended too.
    pub(crate) async fn index_existing_redis(&self) -> session_store::Result<()> {
        let SessionBackend::Redis(_, pool) = self else {
            return Ok(());
        };
        let (mut cursor, mut looked_at, mut indexed) = ("0".to_string(), 0, 0);
        loop {
            let (next, keys): (String, Vec<String>) = pool
                .scan_page(cursor, "*", Some(REDIS_SCAN_PAGE), Some(ScanType::String))
                .await
                .map_err(backend_error)?;
            // The store keeps a session under its bare id; our own keys all carry a prefix.
            looked_at += keys.len();
            for key in keys.into_iter().filter(|k| !k.contains(':')) {
                let data: Option<Vec<u8>> = pool.get(&key).await.map_err(backend_error)?;
                let Some(record) = data.and_then(|d| rmp_serde::from_slice::<Record>(&d).ok())
                else {
                    continue;
                };
                if signed_in_user(&record).is_some() {
                    self.index_owner(&record).await?;
                    indexed += 1;
                }
            }
            if next == "0" || looked_at >= REDIS_SCAN_AT_MOST {
                break;
            }
            cursor = next;
        }
        tracing::info!(
            looked_at,
            indexed,
            complete = looked_at < REDIS_SCAN_AT_MOST,
            "indexed the signed-in sessions already in Redis"
        );
        Ok(())
    }

    /// Notes the record's owner, if it is a signed-in session (called on every write).
    pub(crate) async fn index_owner(&self, record: &Record) -> session_store::Result<()> {
        let Some(user_id) = signed_in_user(record) else {
            return Ok(());
        };
        let id = record.id.to_string();
        match self {
            SessionBackend::Sqlite(_, pool) => {
                sqlx::query(&format!("INSERT INTO {SQLITE_TABLE} (session_id, user_id) VALUES (?, ?) ON CONFLICT (session_id) DO NOTHING"))
                    .bind(id)
                    .bind(user_id)
                    .execute(pool)
                    .await
                    .map_err(backend_error)?;
            }
            SessionBackend::Postgres(_, pool) => {
                sqlx::query(&format!("INSERT INTO {POSTGRES_TABLE} (session_id, user_id) VALUES ($1, $2) ON CONFLICT (session_id) DO NOTHING"))
                    .bind(id)
                    .bind(user_id)
                    .execute(pool)
                    .await
                    .map_err(backend_error)?;
            }
            SessionBackend::Redis(_, pool) => {
                let key = redis_key(&user_id);
                let _: i64 = pool.sadd(&key, id).await.map_err(backend_error)?;
                let _: bool = pool
                    .expire(&key, REDIS_SET_TTL_SECS, None)
                    .await
                    .map_err(backend_error)?;
            }
        }
        Ok(())
    }

    async fn indexed_ids(&self, user_id: &str) -> session_store::Result<Vec<String>> {
        match self {
            SessionBackend::Sqlite(_, pool) => sqlx::query_scalar(&format!(
                "SELECT session_id FROM {SQLITE_TABLE} WHERE user_id = ?"
            ))
            .bind(user_id)
            .fetch_all(pool)
            .await
            .map_err(backend_error),
            SessionBackend::Postgres(_, pool) => sqlx::query_scalar(&format!(
                "SELECT session_id FROM {POSTGRES_TABLE} WHERE user_id = $1"
            ))
            .bind(user_id)
            .fetch_all(pool)
            .await
            .map_err(backend_error),
            SessionBackend::Redis(_, pool) => pool
                .smembers(redis_key(user_id))
                .await
                .map_err(backend_error),
        }
    }

    async fn unindex(&self, user_id: &str, session_id: &str) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(_, pool) => {
                sqlx::query(&format!("DELETE FROM {SQLITE_TABLE} WHERE session_id = ?"))
                    .bind(session_id)
                    .execute(pool)
                    .await
                    .map_err(backend_error)?;
            }
            SessionBackend::Postgres(_, pool) => {
                sqlx::query(&format!(
                    "DELETE FROM {POSTGRES_TABLE} WHERE session_id = $1"
                ))
                .bind(session_id)
                .execute(pool)
                .await
                .map_err(backend_error)?;
            }
            SessionBackend::Redis(_, pool) => {
                let _: i64 = pool
                    .srem(redis_key(user_id), session_id)
                    .await
                    .map_err(backend_error)?;
            }
        }
        Ok(())
    }

    /// The customer's live sessions. Ended or expired ones are dropped from the index here.
    pub async fn sessions_of(&self, user_id: &str) -> session_store::Result<Vec<Record>> {
        self.sessions_of_except(user_id, None).await
    }

    /// The same, without `except` (the request's own session, which it already holds).
    pub async fn sessions_of_except(
        &self,
        user_id: &str,
        except: Option<&Id>,
    ) -> session_store::Result<Vec<Record>> {
        let except = except.map(|id| id.to_string());
        let mut live = Vec::new();
        for raw in self.indexed_ids(user_id).await? {
            if except.as_ref() == Some(&raw) {
                continue;
            }
            let record = match raw.parse::<Id>() {
                Ok(id) => self.load(&id).await?,
                Err(_) => None,
            };
            match record {
                Some(record) if signed_in_user(&record).as_deref() == Some(user_id) => {
                    live.push(record)
                }
                _ => self.unindex(user_id, &raw).await?,
            }
        }
        Ok(live)
    }

    /// Ends one session of the customer (server side: its cookie no longer signs anyone in).
    pub async fn end_session(&self, user_id: &str, id: &Id) -> session_store::Result<()> {
        self.delete(id).await?;
        self.unindex(user_id, &id.to_string()).await
    }

    /// Ends every session of the customer except `keep`; answers how many ended.
    pub async fn end_sessions_of(
        &self,
        user_id: &str,
        keep: Option<&Id>,
    ) -> session_store::Result<usize> {
        self.end_sessions_where(user_id, |record| Some(&record.id) != keep)
            .await
    }

    /// Ends every session of the customer started under another security stamp than
    /// `current` (a sign-in whose password was checked before a reset); answers how many.
    pub async fn end_sessions_with_stale_stamp(
        &self,
        user_id: &str,
        current: &str,
    ) -> session_store::Result<usize> {
        self.end_sessions_where(user_id, |record| {
            crate::server::sessions::signed_in_of(record)
                .and_then(|s| s.stamp)
                .as_deref()
                != Some(current)
        })
        .await
    }

    async fn end_sessions_where(
        &self,
        user_id: &str,
        ends: impl Fn(&Record) -> bool,
    ) -> session_store::Result<usize> {
        let mut ended = 0;
        for record in self.sessions_of(user_id).await? {
            if ends(&record) {
                self.end_session(user_id, &record.id).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Forgets index rows whose session is gone (SQL stores; Redis sets expire by themselves).
    pub(crate) async fn sweep_index(&self) -> sqlx::Result<()> {
        match self {
            SessionBackend::Sqlite(_, pool) => {
                sqlx::query(&format!("DELETE FROM {SQLITE_TABLE} WHERE session_id NOT IN (SELECT id FROM tower_sessions)"))
                    .execute(pool)
                    .await?;
            }
            SessionBackend::Postgres(_, pool) => {
                sqlx::query(&format!(r#"DELETE FROM {POSTGRES_TABLE} WHERE session_id NOT IN (SELECT id FROM "tower_sessions"."session")"#))
                    .execute(pool)
                    .await?;
            }
            SessionBackend::Redis(..) => {}
        }
        Ok(())
    }
}
