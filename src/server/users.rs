//! Customer accounts: storage and password checks.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sqlx::AnyPool;

use crate::domain::{DisplayName, Email, Password};

/// A stored customer.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    #[sqlx(default)]
    password_hash: String,
    /// What Authsignal last said about enrollment; `None` = never asked.
    /// Stored as 0/1 (SQLite has no booleans); see `two_step_enrolled()`.
    #[sqlx(default, rename = "two_step_enrolled")]
    two_step_flag: Option<i64>,
    /// Changes on every reset and "this wasn't me": sessions carry the one their credentials
    /// were checked under.
    #[sqlx(default)]
    pub security_stamp: Option<String>,
    /// When the customer said "Not now" to the offer to add a passkey.
    #[sqlx(default)]
    passkey_offer_dismissed_at: Option<String>,
    /// Since when the account is held for support (a report left it with no second factor).
    #[sqlx(default)]
    held_since: Option<String>,
}

/// The signed-in customer's row, read once per request however many parts of the page ask
/// (the header, the profile, the security section): provided fresh for every request.
#[derive(Clone, Default)]
pub struct RequestUser(std::sync::Arc<tokio::sync::OnceCell<(String, Option<User>)>>);

#[derive(Debug, thiserror::Error)]
pub enum UserStoreError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// At most this long after it opened, a change window closes by itself (an abandoned launch).
const CHANGE_WINDOW_SECS: i64 = 15 * 60;
/// A change may carry Authsignal's time a little before the launch's own (whole seconds, and
/// clocks that differ); its end is the return's moment, with no slack: later is not this launch.
const CLOCK_SLACK_MS: i64 = 5_000;

/// Who made a change to a customer's authenticators, as far as this shop can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MadeBy {
    /// Inside this browser's own launch.
    Browser { browser: String, network: String },
    /// With `storefront admin`.
    Support,
    /// Outside any launch of ours: another app on the API, or someone else.
    Elsewhere,
}

#[derive(sqlx::FromRow)]
struct ChangeWindow {
    change_by: Option<String>,
    change_browser: Option<String>,
    change_network: Option<String>,
    change_started_at: Option<i64>,
    change_ended_at_ms: Option<i64>,
}

impl ChangeWindow {
    fn made_by(self, at_ms: i64) -> MadeBy {
        let Some(started) = self.change_started_at.map(|s| s * 1000) else {
            return MadeBy::Elsewhere;
        };
        let latest = started + CHANGE_WINDOW_SECS * 1000;
        let ended = self.change_ended_at_ms.unwrap_or(latest).min(latest);
        if at_ms < started - CLOCK_SLACK_MS || at_ms > ended {
            return MadeBy::Elsewhere;
        }
        match (
            self.change_by.as_deref(),
            self.change_browser,
            self.change_network,
        ) {
            (Some("support"), _, _) => MadeBy::Support,
            // Windows opened before `change_by` was kept were all browsers'.
            (Some("browser") | None, Some(browser), Some(network)) => {
                MadeBy::Browser { browser, network }
            }
            _ => MadeBy::Elsewhere,
        }
    }
}

/// Reads and writes customers.
#[derive(Clone)]
pub struct UserStore {
    pool: AnyPool,
    stamps: StampCache,
}

/// Recently read security stamps, so a signed-in request need not read the row to check its
/// session's stamp. Entries live a second; a reset on another instance is seen within that.
#[derive(Clone, Default)]
struct StampCache(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, StampRead>>>);

/// When a stamp was read, and what it was.
type StampRead = (std::time::Instant, Option<String>);

impl StampCache {
    const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(1);
    const MOST: usize = 10_000;

    fn confirms(&self, id: &str, stamp: Option<&str>) -> bool {
        let Ok(map) = self.0.lock() else { return false };
        map.get(id).is_some_and(|(read_at, current)| {
            read_at.elapsed() < Self::FRESH_FOR && current.as_deref() == stamp
        })
    }

    fn remember(&self, id: &str, current: Option<String>) {
        let Ok(mut map) = self.0.lock() else { return };
        if map.len() >= Self::MOST {
            map.retain(|_, (read_at, _)| read_at.elapsed() < Self::FRESH_FOR);
            if map.len() >= Self::MOST {
                map.clear();
            }
        }
        map.insert(id.to_string(), (std::time::Instant::now(), current));
    }

    fn forget(&self, id: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(id);
        }
    }
}

fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A hash of a random throw-away password, so an unknown email costs as much as a wrong password.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash() -> Result<String, UserStoreError> {
    DUMMY_HASH
        .get_or_try_init(|| async {
            use rand::distributions::{Alphanumeric, DistString};
            let throwaway = Alphanumeric.sample_string(&mut rand::thread_rng(), 24);
            hash_password(Password::parse(throwaway).map_err(UserStoreError::Hashing)?).await
        })
        .await
        .cloned()
}

impl User {
    /// What Authsignal last said about enrollment (None = never asked).
    pub fn two_step_enrolled(&self) -> Option<bool> {
        self.two_step_flag.map(|flag| flag != 0)
    }

    /// Whether the customer said "Not now" to the offer to add a passkey.
    pub fn passkey_offer_dismissed(&self) -> bool {
        self.passkey_offer_dismissed_at.is_some()
    }

    /// Held for support: no sign-in and no reset goes through until an operator releases it.
    pub fn held(&self) -> bool {
        self.held_since.is_some()
    }
}

impl UserStore {
    pub fn new(pool: AnyPool) -> Self {
        UserStore {
            pool,
            stamps: StampCache::default(),
        }
    }

    /// Creates a customer; the password is hashed on a blocking thread.
    #[tracing::instrument(skip_all)]
    pub async fn create(
        &self,
        email: &Email,
        name: &DisplayName,
        password: Password,
    ) -> Result<User, UserStoreError> {
        let hash = hash_password(password).await?;
        let id = new_user_id();
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(&hash)
        .bind(&now)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(User {
                id,
                email: email.to_string(),
                display_name: name.to_string(),
                password_hash: hash,
                two_step_flag: None,
                security_stamp: None,
                passkey_offer_dismissed_at: None,
                held_since: None,
            }),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(UserStoreError::EmailTaken)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The signed-in customer `id`, through this request's `RequestUser` when there is one.
    pub async fn find_signed_in(&self, id: &str) -> Result<Option<User>, UserStoreError> {
        let Some(cache) = leptos::prelude::use_context::<RequestUser>() else {
            return self.find_by_id(id).await;
        };
        let (read_for, user) = cache
            .0
            .get_or_try_init(|| async {
                Ok::<_, UserStoreError>((id.to_string(), self.find_by_id(id).await?))
            })
            .await?;
        // A request signs in one customer; anyone else is read afresh.
        if read_for != id {
            return self.find_by_id(id).await;
        }
        Ok(user.clone())
    }

    pub async fn find_by_id(&self, id: &str) -> Result<Option<User>, UserStoreError> {
        Ok(sqlx::query_as::<_, User>("SELECT id, email, display_name, '' AS password_hash, two_step_enrolled, security_stamp, passkey_offer_dismissed_at, held_since FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn find_by_email(&self, email: &Email) -> Result<Option<User>, UserStoreError> {
        Ok(sqlx::query_as::<_, User>("SELECT id, email, display_name, '' AS password_hash, two_step_enrolled, security_stamp, held_since FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// What Authsignal last said about this customer's enrollment (`None`: never asked, or on error).
    pub async fn two_step_enrolled(&self, id: &str) -> Option<bool> {
        sqlx::query_scalar::<_, Option<i64>>("SELECT two_step_enrolled FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten()
            .flatten()
            .map(|flag| flag != 0)
    }

    /// Remembers what Authsignal said about enrollment (for failing closed when it is down).
    pub async fn set_two_step_enrolled(&self, id: &str, enrolled: bool) {
        let result = sqlx::query("UPDATE users SET two_step_enrolled = $1 WHERE id = $2")
            .bind(i16::from(enrolled))
            .bind(id)
            .execute(&self.pool)
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "remembering enrollment failed");
        }
    }

    /// Remembers what Authsignal says about enrollment, for failing closed while it is down;
    /// written only when it changed (against `last_read`, the caller's copy of the row, if any).
    pub async fn remember_enrollment(&self, id: &str, enrolled: bool, last_read: Option<&User>) {
        let known = match last_read {
            Some(user) if user.id == id => user.two_step_enrolled(),
            _ => self.two_step_enrolled(id).await,
        };
        if known != Some(enrolled) {
            self.set_two_step_enrolled(id, enrolled).await;
        }
    }

    /// Remembers "Not now" for the offer to add a passkey, so it is not repeated.
    pub async fn dismiss_passkey_offer(&self, id: &str) -> Result<(), UserStoreError> {
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        sqlx::query("UPDATE users SET passkey_offer_dismissed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Hashes a new password (on a blocking thread), to be stored by `set_password_hash`.
    pub async fn hash_new_password(&self, password: Password) -> Result<String, UserStoreError> {
        hash_password(password).await
    }

    /// A new security stamp: every session started under the old one is to end.
    pub async fn rotate_security_stamp(&self, id: &str) -> Result<String, UserStoreError> {
        let stamp = crate::server::ids::random_hex();
        sqlx::query("UPDATE users SET security_stamp = $1 WHERE id = $2")
            .bind(&stamp)
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.stamps.forget(id);
        Ok(stamp)
    }

    /// Whether `stamp` (a session's) is the customer's current one; false for an account that
    /// no longer exists. A match may come from a cache a second old; a mismatch never does.
    pub async fn stamp_is_current(
        &self,
        id: &str,
        stamp: Option<&str>,
    ) -> Result<bool, UserStoreError> {
        if self.stamps.confirms(id, stamp) {
            return Ok(true);
        }
        let current = sqlx::query_scalar::<_, Option<String>>(
            "SELECT security_stamp FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(current) = current else {
            return Ok(false);
        };
        let is_current = current.as_deref() == stamp;
        self.stamps.remember(id, current);
        Ok(is_current)
    }

    /// Remembers a browser the customer signed in from; true the first time it is seen.
    pub async fn remember_device(&self, id: &str, device_id: &str) -> Result<bool, UserStoreError> {
        let inserted = sqlx::query(
            "INSERT INTO known_devices (user_id, device_id, first_seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, device_id) DO NOTHING",
        )
        .bind(id)
        .bind(device_id)
        .bind(crate::server::clock::now_unix())
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Whether the customer ever signed in from the browser with this device id.
    pub async fn knows_device(&self, id: &str, device_id: &str) -> bool {
        sqlx::query_scalar::<_, i64>(
            "SELECT 1 FROM known_devices WHERE user_id = $1 AND device_id = $2",
        )
        .bind(id)
        .bind(device_id)
        .fetch_optional(&self.pool)
        .await
        .map(|found| found.is_some())
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading known devices failed");
            false
        })
    }

    /// Holds the account for support: sign-in and reset are refused until `release_hold`.
    pub async fn hold_for_review(&self, id: &str) -> Result<(), UserStoreError> {
        sqlx::query("UPDATE users SET held_since = $1 WHERE id = $2 AND held_since IS NULL")
            .bind(rfc3339_now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a hold (support has checked the account); true when there was one.
    pub async fn release_hold(&self, id: &str) -> Result<bool, UserStoreError> {
        let released = sqlx::query(
            "UPDATE users SET held_since = NULL WHERE id = $1 AND held_since IS NOT NULL",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(released.rows_affected() == 1)
    }

    /// Opens the window in which a change to the customer's authenticators is this browser's:
    /// from now until `end_change` (the launch's return), or `CHANGE_WINDOW_SECS` at most.
    pub async fn remember_change_origin(&self, id: &str, browser: &str, network: &str) {
        self.open_change_window(id, "browser", Some(browser), Some(network))
            .await;
    }

    /// Opens the window of a change an operator makes with `storefront admin`.
    pub async fn remember_support_change(&self, id: &str) {
        self.open_change_window(id, "support", None, None).await;
    }

    async fn open_change_window(
        &self,
        id: &str,
        by: &str,
        browser: Option<&str>,
        network: Option<&str>,
    ) {
        let result = sqlx::query(
            "UPDATE users SET change_by = $1, change_browser = $2, change_network = $3, change_started_at = $4, change_ended_at_ms = NULL WHERE id = $5",
        )
        .bind(by)
        .bind(browser)
        .bind(network)
        .bind(crate::server::clock::now_unix())
        .bind(id)
        .execute(&self.pool)
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "remembering where a change started failed");
        }
    }

    /// Closes the change window: what Authsignal changes after this is nobody's we know.
    pub async fn end_change(&self, id: &str) {
        let result = sqlx::query(
            "UPDATE users SET change_ended_at_ms = $1 WHERE id = $2 AND change_started_at IS NOT NULL AND change_ended_at_ms IS NULL",
        )
        .bind(crate::server::clock::now_unix_ms())
        .bind(id)
        .execute(&self.pool)
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "closing a change window failed");
        }
    }

    /// Who made a change Authsignal made at `at_ms` (unix milliseconds): the browser or
    /// operator whose window holds it, else nobody this shop knows of.
    pub async fn change_made_by(&self, id: &str, at_ms: i64) -> MadeBy {
        let row = sqlx::query_as::<_, ChangeWindow>(
            "SELECT change_by, change_browser, change_network, change_started_at, change_ended_at_ms FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading where a change started failed");
            None
        });
        row.map_or(MadeBy::Elsewhere, |window| window.made_by(at_ms))
    }

    /// Replaces the customer's password with an already hashed one.
    #[tracing::instrument(skip_all)]
    /// Not while the account is held: false then, and nothing changed.
    pub async fn set_password_hash(&self, id: &str, hash: &str) -> Result<bool, UserStoreError> {
        let set =
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND held_since IS NULL")
                .bind(hash)
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(set.rows_affected() == 1)
    }

    /// Whether the account is held for support now (read afresh, not from a copy of the row).
    pub async fn is_held(&self, id: &str) -> Result<bool, UserStoreError> {
        let held =
            sqlx::query_scalar::<_, Option<String>>("SELECT held_since FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(held.flatten().is_some())
    }

    /// The password stops working: after a hold the customer chooses a new one by email.
    pub async fn disable_password(&self, id: &str) -> Result<(), UserStoreError> {
        let unusable = dummy_hash().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(unusable)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The customer whose email and password these are, or `None` — the same work either way.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(
        &self,
        email: &str,
        password: String,
    ) -> Result<Option<User>, UserStoreError> {
        let user = match Email::parse(email) {
            Ok(email) => sqlx::query_as::<_, User>("SELECT id, email, display_name, password_hash, two_step_enrolled, security_stamp, held_since FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?,
            Err(_) => None,
        };
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash().await?,
        };
        let matches = verify_password(password, hash).await?;
        Ok(user.filter(|_| matches).map(|mut u| {
            u.password_hash.clear();
            u
        }))
    }
}

/// Opaque, unguessable, and safe to hand to Authsignal as the user id.
fn new_user_id() -> String {
    format!("usr_{}", crate::server::ids::random_hex())
}

/// Argon2 takes 19 MiB and one core per hash: more hashes at once than cores only costs memory
/// (a burst of 40 sign-ups peaked at 800 MiB), so they queue here.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

async fn hash_password(password: Password) -> Result<String, UserStoreError> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| UserStoreError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| UserStoreError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| UserStoreError::Hashing(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> Result<bool, UserStoreError> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| UserStoreError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|e| UserStoreError::Hashing(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| UserStoreError::Hashing(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use crate::server::users::*;

    #[tokio::test]
    async fn dummy_hash_is_a_valid_argon2_hash_that_matches_nothing_typed() {
        let hash = dummy_hash().await.unwrap();
        assert!(!verify_password("anything at all".into(), hash)
            .await
            .unwrap());
    }

    #[test]
    fn user_ids_are_unique_and_url_safe() {
        let a = new_user_id();
        assert_ne!(a, new_user_id());
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}

#[cfg(test)]
mod change_window_tests {
    use super::*;

    /// A window opened at `started` (seconds), closed at `ended` (seconds).
    fn window(by: &str, started: i64, ended: Option<i64>) -> ChangeWindow {
        ChangeWindow {
            change_by: Some(by.into()),
            change_browser: Some("Firefox on Linux".into()),
            change_network: Some("203.0.113.x".into()),
            change_started_at: Some(started),
            change_ended_at_ms: ended.map(|e| e * 1000),
        }
    }

    #[test]
    fn a_change_is_the_browsers_only_inside_its_own_launch() {
        let browser = MadeBy::Browser {
            browser: "Firefox on Linux".into(),
            network: "203.0.113.x".into(),
        };
        let ms = |s: i64| s * 1000;
        let open = window("browser", 1000, None);
        assert_eq!(open.made_by(ms(1010)), browser, "launch still open");
        let done = || window("browser", 1000, Some(1060));
        assert_eq!(done().made_by(ms(1050)), browser);
        assert_eq!(
            done().made_by(ms(1060) + 1),
            MadeBy::Elsewhere,
            "just after the return"
        );
        let abandoned = window("browser", 1000, None);
        assert_eq!(
            abandoned.made_by(ms(1000 + 16 * 60)),
            MadeBy::Elsewhere,
            "abandoned"
        );
        let before = window("browser", 1000, None);
        assert_eq!(before.made_by(ms(900)), MadeBy::Elsewhere, "before it");
        let support = window("support", 1000, None);
        assert_eq!(support.made_by(ms(1001)), MadeBy::Support);
        let never = ChangeWindow {
            change_by: None,
            change_browser: None,
            change_network: None,
            change_started_at: None,
            change_ended_at_ms: None,
        };
        assert_eq!(never.made_by(1_000_000), MadeBy::Elsewhere);
    }
}
