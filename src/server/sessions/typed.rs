//! The typed session: the only place that knows the session's keys.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use tower_sessions::Session;

use serde::{Deserialize, Serialize};

use crate::model::security::{NoticeTone, SecurityNotice};
use crate::model::AppError;
use crate::server::state::AppState;
use crate::server::users::UserStore;
use crate::{server::authsignal::round_trip::Pending, server::authsignal::round_trip::Verified};

/// A wrapper over the tower-sessions session with one method per thing we keep in it.
/// Handlers take it as an extractor; it checks a signed-in session's security stamp.
#[derive(Clone)]
pub struct TypedSession {
    session: Session,
    users: UserStore,
}

impl FromRequestParts<AppState> for TypedSession {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        Ok(TypedSession::new(session, state))
    }
}

const SIGNED_IN: &str = "signed_in";
const PENDING_ROUND_TRIP: &str = "security.pending";
const VERIFIED: &str = "security.verified";
const SECURITY_NOTICE: &str = "security.notice";
const PASSKEY_OFFER: &str = "security.passkey_offer";

/// A signed-in session ends this long after sign-in, however active it stays.
pub const ABSOLUTE_LIFETIME_SECS: i64 = 30 * 24 * 60 * 60;
/// An active session is written back at most this often, to slide its inactivity expiry;
/// page views in between write nothing.
const TOUCH_EVERY_SECS: i64 = 10 * 60;

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
    pub fn new(session: Session, state: &AppState) -> TypedSession {
        TypedSession {
            session,
            users: state.users.clone(),
        }
    }

    /// The session of the request a server function is handling.
    pub async fn extract() -> Result<TypedSession, AppError> {
        let state = AppState::from_context()?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session on the request (is the session layer installed?)");
            AppError::Internal
        })?;
        Ok(TypedSession::new(session, &state))
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
        if now - signed_in.touched >= TOUCH_EVERY_SECS {
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

    /// Removes `key` only when it is there: tower-sessions counts any removal as a change,
    /// and a page view that changes nothing must write nothing.
    async fn take<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, AppError> {
        let value = self
            .session
            .get::<serde_json::Value>(key)
            .await
            .map_err(store_failed)?;
        if value.is_none() {
            return Ok(None);
        }
        self.session.remove::<T>(key).await.map_err(store_failed)
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl TypedSession {
    /// The Authsignal round trip this session is waiting on (one at a time).
    pub async fn pending_round_trip(&self) -> Result<Option<Pending>, AppError> {
        self.session
            .get(PENDING_ROUND_TRIP)
            .await
            .map_err(store_failed)
    }

    pub async fn set_pending_round_trip(&self, pending: &Pending) -> Result<(), AppError> {
        self.session
            .insert(PENDING_ROUND_TRIP, pending)
            .await
            .map_err(store_failed)
    }

    /// Takes the pending round trip: a token can complete it once.
    pub async fn take_pending_round_trip(&self) -> Result<Option<Pending>, AppError> {
        self.take(PENDING_ROUND_TRIP).await
    }

    /// Who last completed an Authsignal challenge in this session, and when.
    pub async fn verified(&self) -> Result<Option<Verified>, AppError> {
        self.session.get(VERIFIED).await.map_err(store_failed)
    }

    pub async fn set_verified(&self, verified: &Verified) -> Result<(), AppError> {
        self.session
            .insert(VERIFIED, verified)
            .await
            .map_err(store_failed)
    }

    pub async fn set_notice(
        &self,
        tone: NoticeTone,
        message: impl Into<String>,
    ) -> Result<(), AppError> {
        let notice = SecurityNotice {
            tone,
            message: message.into(),
        };
        self.session
            .insert(SECURITY_NOTICE, notice)
            .await
            .map_err(store_failed)
    }

    pub async fn take_notice(&self) -> Result<Option<SecurityNotice>, AppError> {
        self.take(SECURITY_NOTICE).await
    }

    /// Signed in with a password this session: the account page may offer a passkey.
    pub async fn set_passkey_offer(&self) -> Result<(), AppError> {
        self.session
            .insert(PASSKEY_OFFER, true)
            .await
            .map_err(store_failed)
    }

    pub async fn passkey_offer(&self) -> Result<bool, AppError> {
        Ok(self
            .session
            .get::<bool>(PASSKEY_OFFER)
            .await
            .map_err(store_failed)?
            .unwrap_or(false))
    }

    pub async fn end_passkey_offer(&self) -> Result<(), AppError> {
        self.take::<bool>(PASSKEY_OFFER).await.map(|_| ())
    }
}
