//! The typed session: who is signed in (checked against the customer's security stamp), a
//! notice for the next page, and typed keys that each feature declares for what it keeps.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::model::security::{NoticeTone, SecurityNotice};
use crate::model::AppError;
use crate::server::clock::now_unix;
use crate::server::users::UserStore;

/// A wrapper over the tower-sessions session. Handlers take it as an extractor
/// (`web::extract`); features keep their own values in it under a `SessionKey`.
#[derive(Clone)]
pub struct TypedSession {
    session: Session,
    users: UserStore,
    /// Seconds between writes that slide the inactivity expiry (`touch_every`).
    touch_every: i64,
}

/// A value a feature keeps in the session, under its own name.
pub struct SessionKey<T> {
    name: &'static str,
    value: PhantomData<fn() -> T>,
}

impl<T> SessionKey<T> {
    pub const fn new(name: &'static str) -> SessionKey<T> {
        SessionKey {
            name,
            value: PhantomData,
        }
    }
}

/// Who is signed in: the one key this module owns.
const SIGNED_IN: &str = "signed_in";
/// The notice the next page shows once (a flash message).
const NOTICE: SessionKey<SecurityNotice> = SessionKey::new("security.notice");

/// A signed-in session ends this long after sign-in, however active it stays.
pub const ABSOLUTE_LIFETIME_SECS: i64 = 30 * 24 * 60 * 60;
/// An active session is written back at most this often, to slide its inactivity expiry;
/// page views in between write nothing.
const TOUCH_AT_MOST_EVERY_SECS: i64 = 10 * 60;

/// How often an active session is written back for an inactivity timeout of `inactivity`:
/// four times per timeout at least, so a customer who keeps using the shop stays signed in.
pub fn touch_every(inactivity: std::time::Duration) -> i64 {
    let quarter = i64::try_from(inactivity.as_secs() / 4).unwrap_or(i64::MAX);
    quarter.clamp(1, TOUCH_AT_MOST_EVERY_SECS)
}

/// Who is signed in, since when, when the session was last written for activity, and from
/// which browser (for the signed-in devices list).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: String,
    /// Unix seconds.
    pub since: i64,
    /// Unix seconds.
    pub touched: i64,
    /// The user agent at sign-in (bounded); empty for sessions from before it was kept.
    #[serde(default)]
    pub user_agent: String,
    /// The client address at sign-in.
    #[serde(default)]
    pub ip: String,
    /// The customer's security stamp when their credentials were checked.
    #[serde(default)]
    pub stamp: Option<String>,
}

/// The signed-in customer a stored session record belongs to, if any.
pub fn signed_in_user(record: &tower_sessions::session::Record) -> Option<String> {
    signed_in_of(record).map(|s| s.user_id)
}

/// What a stored session record says about its sign-in.
pub fn signed_in_of(record: &tower_sessions::session::Record) -> Option<SignedIn> {
    serde_json::from_value(record.data.get(SIGNED_IN)?.clone()).ok()
}

fn store_failed(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}

impl TypedSession {
    /// `users` answers whether a signed-in session's security stamp is still current;
    /// `inactivity` is the timeout the session's writes keep sliding.
    pub fn new(
        session: Session,
        users: &UserStore,
        inactivity: std::time::Duration,
    ) -> TypedSession {
        TypedSession {
            session,
            users: users.clone(),
            touch_every: touch_every(inactivity),
        }
    }

    /// The signed-in customer's id; `None` when signed out or past the absolute lifetime
    /// (then the session is ended here). Touches the session at most every few minutes.
    pub async fn user_id(&self) -> Result<Option<String>, AppError> {
        let Some(mut signed_in) = self
            .session
            .get::<SignedIn>(SIGNED_IN)
            .await
            .map_err(store_failed)?
        else {
            return Ok(None);
        };
        let now = now_unix();
        if now - signed_in.since >= ABSOLUTE_LIFETIME_SECS {
            tracing::info!("session reached its absolute lifetime; signed out");
            self.sign_out().await?;
            return Ok(None);
        }
        // A reset (or "this wasn't me") since this sign-in ends it, however it was created.
        let current = self
            .users
            .stamp_is_current(&signed_in.user_id, signed_in.stamp.as_deref())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "checking the session's security stamp failed");
                AppError::Internal
            })?;
        if !current {
            tracing::warn!(user_id = %signed_in.user_id, "session from before a reset; signed out");
            self.sign_out().await?;
            return Ok(None);
        }
        if now - signed_in.touched >= self.touch_every {
            signed_in.touched = now;
            self.session
                .insert(SIGNED_IN, &signed_in)
                .await
                .map_err(store_failed)?;
        }
        Ok(Some(signed_in.user_id))
    }

    /// What this session says about its sign-in, as stored (no expiry checks).
    pub async fn signed_in(&self) -> Result<Option<SignedIn>, AppError> {
        self.session
            .get::<SignedIn>(SIGNED_IN)
            .await
            .map_err(store_failed)
    }

    /// The signed-in user's id, or `NotSignedIn`.
    pub async fn require_user_id(&self) -> Result<String, AppError> {
        self.user_id().await?.ok_or(AppError::NotSignedIn)
    }

    /// Signs `user_id` in under a fresh session id (defeats session fixation) that starts
    /// empty: nothing a previous visitor of this browser left in the session survives.
    pub async fn sign_in(
        &self,
        user_id: &str,
        stamp: Option<String>,
        from: &crate::server::web::request_context::RequestContext,
    ) -> Result<(), AppError> {
        self.session.clear().await;
        self.session.cycle_id().await.map_err(store_failed)?;
        let now = now_unix();
        let signed_in = SignedIn {
            user_id: user_id.to_string(),
            since: now,
            touched: now,
            user_agent: from.user_agent.clone().unwrap_or_default(),
            ip: from.ip_address.clone().unwrap_or_default(),
            stamp,
        };
        self.session
            .insert(SIGNED_IN, signed_in)
            .await
            .map_err(store_failed)
    }

    /// This session's id, once it has been stored.
    pub fn id(&self) -> Option<tower_sessions::session::Id> {
        self.session.id()
    }

    /// Destroys the session, server side and cookie.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.session.flush().await.map_err(store_failed)
    }

    /// What a feature keeps under `key`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        key: &SessionKey<T>,
    ) -> Result<Option<T>, AppError> {
        self.session.get(key.name).await.map_err(store_failed)
    }

    /// Keeps `value` under `key` (the session is saved when the response goes out).
    pub async fn put<T: Serialize>(&self, key: &SessionKey<T>, value: &T) -> Result<(), AppError> {
        self.session
            .insert(key.name, value)
            .await
            .map_err(store_failed)
    }

    /// Takes what is under `key`, removing it only when it is there: tower-sessions counts
    /// any removal as a change, and a page view that changes nothing must write nothing.
    pub async fn take<T: DeserializeOwned>(
        &self,
        key: &SessionKey<T>,
    ) -> Result<Option<T>, AppError> {
        let value = self
            .session
            .get::<serde_json::Value>(key.name)
            .await
            .map_err(store_failed)?;
        if value.is_none() {
            return Ok(None);
        }
        self.session
            .remove::<T>(key.name)
            .await
            .map_err(store_failed)
    }
}

impl TypedSession {
    /// Leaves a notice for the next page to show once.
    pub async fn set_notice(
        &self,
        tone: NoticeTone,
        message: impl Into<String>,
    ) -> Result<(), AppError> {
        let notice = SecurityNotice {
            tone,
            message: message.into(),
        };
        self.put(&NOTICE, &notice).await
    }

    pub async fn take_notice(&self) -> Result<Option<SecurityNotice>, AppError> {
        self.take(&NOTICE).await
    }
}

#[cfg(test)]
mod tests {
    use super::touch_every;
    use std::time::Duration;

    #[test]
    fn an_active_session_is_touched_well_within_its_timeout() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(touch_every(minutes(720)), 600, "at most every ten minutes");
        assert_eq!(touch_every(minutes(40)), 600);
        assert_eq!(touch_every(minutes(20)), 300);
        assert_eq!(touch_every(minutes(1)), 15);
        assert_eq!(touch_every(Duration::from_secs(2)), 1);
        for m in 1..=60 {
            assert!(touch_every(minutes(m)) * 4 <= (m * 60) as i64);
        }
    }
}
