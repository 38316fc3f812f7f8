use sqlx::{FromRow, SqliteConnection};

use super::{ActionKey, AuthenticatorEvent, Store, UserRow};
use crate::ids::new_uuid;

#[derive(Debug, Clone, FromRow)]
pub(crate) struct AuthenticatorRow {
    pub authenticator_id: String,
    pub user_id: String,
    pub verification_method: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub totp_secret: Option<String>,
    pub last_totp_step: Option<i64>,
    pub created_at: i64,
    pub verified_at: Option<i64>,
    pub last_verified_at: Option<i64>,
    /// webauthn-rs's `Passkey` as JSON (passkeys only).
    pub passkey: Option<String>,
    /// base64url credential id (passkeys only).
    pub credential_id: Option<String>,
    /// [`crate::passkeys::PasskeyDetails`] as JSON (passkeys only).
    pub passkey_details: Option<String>,
}

/// A verified authenticator about to be stored.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewAuthenticator {
    /// The id a new row gets (the Client API hands it out before the code is checked).
    pub authenticator_id: Option<String>,
    pub user_id: String,
    pub verification_method: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub totp_secret: Option<String>,
    pub last_totp_step: Option<i64>,
    pub passkey: Option<String>,
    pub credential_id: Option<String>,
    pub passkey_details: Option<String>,
    pub make_default: bool,
}

/// What became of a request to delete an authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    Removed,
    /// The user has no such authenticator (any more).
    NotFound,
    /// It is the user's last one, and the caller asked to keep one.
    Kept,
}

/// The user's chosen default if they still have it, else their first method.
pub(crate) fn default_method(
    user: Option<&UserRow>,
    authenticators: &[AuthenticatorRow],
) -> Option<String> {
    let chosen = user.and_then(|u| u.default_verification_method.clone());
    chosen
        .filter(|m| authenticators.iter().any(|a| &a.verification_method == m))
        .or_else(|| {
            authenticators
                .first()
                .map(|a| a.verification_method.clone())
        })
}

/// The user's default authenticator: the first one of the default method (the one the
/// Client API marks `isDefault`).
pub(crate) fn default_authenticator<'a>(
    user: Option<&UserRow>,
    authenticators: &'a [AuthenticatorRow],
) -> Option<&'a AuthenticatorRow> {
    let method = default_method(user, authenticators)?;
    authenticators
        .iter()
        .find(|a| a.verification_method == method)
}

impl Store {
    pub(crate) async fn list_authenticators(
        &self,
        user_id: &str,
    ) -> sqlx::Result<Vec<AuthenticatorRow>> {
        sqlx::query_as("SELECT * FROM authenticators WHERE user_id = ? ORDER BY created_at, rowid")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
    }

    /// Stores a verified authenticator. A user holds one authenticator per method, so
    /// enrolling a method again replaces its address / secret and keeps its id — except
    /// passkeys: each device has its own, so every passkey is a new authenticator.
    /// Queues `authenticator.created` for a new one, `authenticator.updated` for a replaced one.
    pub(crate) async fn enroll_authenticator(
        &self,
        new: &NewAuthenticator,
        now_ms: i64,
    ) -> sqlx::Result<AuthenticatorRow> {
        let mut tx = self.begin_write().await?;
        let row = self.enroll_within(&mut tx, new, now_ms).await?;
        tx.commit().await?;
        self.wake_webhooks();
        Ok(row)
    }

    /// Completes the authenticator-app enrollment pending for `action` with `secret`, in
    /// one transaction with taking the pending secret: of parallel right answers exactly
    /// one gets the row, the others None, and no reader sees the secret gone but the
    /// authenticator not yet there.
    pub(crate) async fn enroll_pending_totp(
        &self,
        action: &ActionKey,
        new: &NewAuthenticator,
        now_ms: i64,
    ) -> sqlx::Result<Option<AuthenticatorRow>> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("DELETE FROM pending_totp WHERE user_id = ? AND action_code = ? AND idempotency_key = ? AND secret = ?")
            .bind(&action.user_id)
            .bind(&action.action_code)
            .bind(&action.idempotency_key)
            .bind(&new.totp_secret)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() != 1 {
            return Ok(None);
        }
        let row = self.enroll_within(&mut tx, new, now_ms).await?;
        tx.commit().await?;
        self.wake_webhooks();
        Ok(Some(row))
    }

    async fn enroll_within(
        &self,
        tx: &mut SqliteConnection,
        new: &NewAuthenticator,
        now_ms: i64,
    ) -> sqlx::Result<AuthenticatorRow> {
        sqlx::query(
            "INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT(user_id) DO NOTHING",
        )
        .bind(&new.user_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let default_before = self
            .default_authenticator_id(&mut *tx, &new.user_id)
            .await?;
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT authenticator_id FROM authenticators WHERE user_id = ? AND verification_method = ? AND passkey IS NULL AND ? IS NULL")
                .bind(&new.user_id)
                .bind(&new.verification_method)
                .bind(&new.passkey)
                .fetch_optional(&mut *tx)
                .await?;
        let event_type = match existing {
            Some(_) => AuthenticatorEvent::Updated,
            None => AuthenticatorEvent::Created,
        };
        let row: AuthenticatorRow = match existing {
            Some((id,)) => replace_authenticator(&mut *tx, id, new, now_ms).await?,
            None => insert_authenticator(&mut *tx, new, now_ms).await?,
        };
        // The first method enrolled becomes the default, as does one asked for explicitly.
        sqlx::query(
            "UPDATE users SET default_verification_method = ?
             WHERE user_id = ? AND (? OR default_verification_method IS NULL
                OR default_verification_method NOT IN (SELECT verification_method FROM authenticators WHERE user_id = ?))",
        )
        .bind(&new.verification_method)
        .bind(&new.user_id)
        .bind(new.make_default)
        .bind(&new.user_id)
        .execute(&mut *tx)
        .await?;
        self.queue_authenticator_events(
            tx,
            &new.user_id,
            Some((event_type, &row)),
            default_before,
            now_ms,
        )
        .await?;
        Ok(row)
    }

    /// Deletes one of the user's authenticators (the Server API may delete the last
    /// one); false when the user has no such authenticator (including one that belongs
    /// to someone else).
    pub(crate) async fn delete_authenticator(
        &self,
        user_id: &str,
        authenticator_id: &str,
        now_ms: i64,
    ) -> sqlx::Result<bool> {
        let removal = self
            .remove_authenticator(user_id, authenticator_id, 0, now_ms)
            .await?;
        Ok(removal == Removal::Removed)
    }

    /// Deletes one of the user's authenticators unless it is their last one, as the
    /// pre-built UI's settings screen must — even for parallel removals.
    pub(crate) async fn delete_authenticator_keeping_one(
        &self,
        user_id: &str,
        authenticator_id: &str,
        now_ms: i64,
    ) -> sqlx::Result<Removal> {
        self.remove_authenticator(user_id, authenticator_id, 1, now_ms)
            .await
    }

    /// Deletes the authenticator if the user has more than `keep` of them, queueing
    /// `authenticator.deleted`. The count and the delete are one statement, and the
    /// transaction holds SQLite's write lock throughout.
    async fn remove_authenticator(
        &self,
        user_id: &str,
        authenticator_id: &str,
        keep: i64,
        now_ms: i64,
    ) -> sqlx::Result<Removal> {
        let mut tx = self.begin_write().await?;
        let default_before = self.default_authenticator_id(&mut tx, user_id).await?;
        let deleted: Option<AuthenticatorRow> = sqlx::query_as(
            "DELETE FROM authenticators WHERE user_id = ? AND authenticator_id = ?
               AND (SELECT COUNT(*) FROM authenticators WHERE user_id = ?) > ?
             RETURNING *",
        )
        .bind(user_id)
        .bind(authenticator_id)
        .bind(user_id)
        .bind(keep)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(deleted) = deleted else {
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM authenticators WHERE user_id = ? AND authenticator_id = ?",
            )
            .bind(user_id)
            .bind(authenticator_id)
            .fetch_optional(&mut *tx)
            .await?;
            return Ok(if exists.is_some() {
                Removal::Kept
            } else {
                Removal::NotFound
            });
        };
        // Keep the default pointing at something the user still has.
        sqlx::query(
            "UPDATE users SET default_verification_method =
                (SELECT verification_method FROM authenticators WHERE user_id = ? ORDER BY created_at, rowid LIMIT 1)
             WHERE user_id = ? AND (default_verification_method IS NULL
                OR default_verification_method NOT IN (SELECT verification_method FROM authenticators WHERE user_id = ?))",
        )
        .bind(user_id)
        .bind(user_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        self.queue_authenticator_events(
            &mut tx,
            user_id,
            Some((AuthenticatorEvent::Deleted, &deleted)),
            default_before,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        self.wake_webhooks();
        Ok(Removal::Removed)
    }

    /// Records a successful challenge with this authenticator.
    pub(crate) async fn touch_authenticator(
        &self,
        authenticator_id: &str,
        now_ms: i64,
    ) -> sqlx::Result<()> {
        sqlx::query("UPDATE authenticators SET last_verified_at = ? WHERE authenticator_id = ?")
            .bind(now_ms)
            .bind(authenticator_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks a TOTP step as used; false if it (or a later one) was already used, which
    /// makes a concurrent replay lose the race.
    pub(crate) async fn claim_totp_step(
        &self,
        authenticator_id: &str,
        step: i64,
    ) -> sqlx::Result<bool> {
        let claimed = sqlx::query(
            "UPDATE authenticators SET last_totp_step = ?
             WHERE authenticator_id = ? AND (last_totp_step IS NULL OR last_totp_step < ?)",
        )
        .bind(step)
        .bind(authenticator_id)
        .bind(step)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed > 0)
    }
}

/// Re-enrolling a method: the authenticator `id` keeps its id and gets the new address /
/// secret, verified now.
async fn replace_authenticator(
    conn: &mut SqliteConnection,
    id: String,
    new: &NewAuthenticator,
    now_ms: i64,
) -> sqlx::Result<AuthenticatorRow> {
    sqlx::query_as(
        "UPDATE authenticators SET email = ?, phone_number = ?, totp_secret = ?, last_totp_step = ?,
            verified_at = ?, last_verified_at = ?
         WHERE authenticator_id = ? RETURNING *",
    )
    .bind(&new.email)
    .bind(&new.phone_number)
    .bind(&new.totp_secret)
    .bind(new.last_totp_step)
    .bind(now_ms)
    .bind(now_ms)
    .bind(id)
    .fetch_one(&mut *conn)
    .await
}

/// A new authenticator (its given id, or a new one), created and verified now.
async fn insert_authenticator(
    conn: &mut SqliteConnection,
    new: &NewAuthenticator,
    now_ms: i64,
) -> sqlx::Result<AuthenticatorRow> {
    sqlx::query_as(
        "INSERT INTO authenticators (authenticator_id, user_id, verification_method, email, phone_number,
            totp_secret, last_totp_step, created_at, verified_at, last_verified_at,
            passkey, credential_id, passkey_details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
    )
    .bind(new.authenticator_id.clone().unwrap_or_else(new_uuid))
    .bind(&new.user_id)
    .bind(&new.verification_method)
    .bind(&new.email)
    .bind(&new.phone_number)
    .bind(&new.totp_secret)
    .bind(new.last_totp_step)
    .bind(now_ms)
    .bind(now_ms)
    .bind(now_ms)
    .bind(&new.passkey)
    .bind(&new.credential_id)
    .bind(&new.passkey_details)
    .fetch_one(&mut *conn)
    .await
}
