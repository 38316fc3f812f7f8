//! The one Authsignal round trip, for every purpose: `start` tracks an action and remembers it
//! in the session's single pending slot; the browser goes to the pre-built UI (a redirect, or a
//! dialog in popup mode); `complete` validates the token it comes back with against what is
//! pending. What the customer reads about each outcome lives in `model::words`.
//!
//! ```text
//! start(purpose) ──track──▶ pre-built UI ──?token──▶ /account/return or /signin/return ─┐
//!                                  └──postMessage(token) (popup) ─▶ complete_prebuilt_ui ┤
//!                                                       complete(token) ◀───────────────┘
//!                                                       ├ Done { purpose, verified }
//!                                                       └ Refused(why)
//! ```

pub mod returns;

use authsignal::{
    ActionState, TrackRequest, ValidateChallengeRequest, ValidateChallengeResponse,
    VerificationMethod,
};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

pub use crate::model::custom_ui::NewMethod;
pub use crate::model::words::Refusal;
use crate::model::AppError;
use crate::routes;
use crate::server::authsignal::VERIFICATION_WINDOW_SECS;
use crate::server::clock::now_unix;
use crate::server::ids::random_hex;
use crate::server::sessions::{SessionKey, TypedSession};
use crate::server::state::AppState;
use crate::server::web::request_context::RequestContext;

/// The scopes that let the pre-built UI open the settings screen without a second challenge
/// (Authsignal's authenticator-binding docs): sent only for a customer verified moments ago.
pub const BINDING_SCOPES: &str = "add:authenticators update:authenticators remove:authenticators";
/// The scope that lets the Web SDK add an authenticator to an enrolled customer.
pub const ADD_SCOPE: &str = "add:authenticators";
/// A second press within this many seconds reuses the first launch (a double click).
const RELAUNCH_WINDOW_SECS: i64 = 30;
/// Track's tokens are valid this long; a return after it cannot succeed.
const PENDING_TTL_SECS: i64 = 10 * 60;

/// Why the customer goes to the pre-built UI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Two-step sign-in after a correct password; `next` (already checked to be on this site)
    /// is where to go once signed in.
    SignIn {
        next: String,
        /// The security stamp the password was checked under.
        #[serde(default)]
        stamp: Option<String>,
    },
    /// The primary button: enroll a first authenticator (`manage: false`) or manage them.
    Settings { manage: bool },
    /// A challenge before removing this authenticator.
    VerifyToRemove { authenticator_id: String },
    /// A challenge before adding a passkey in place (the customer has authenticators and no
    /// recent challenge): comes back to the add-a-passkey page.
    VerifyToAddPasskey,
    /// Adding a passkey in place with the Web SDK: no pre-built UI; the token goes to the
    /// browser and comes back from the ceremony to `complete`.
    AddPasskey,
    /// A challenge before adding a method on our own pages (enrolled, no recent challenge):
    /// comes back to that method's add page.
    VerifyToAddMethod { method: NewMethod },
    /// Adding a method in place through the Client API: no pre-built UI; the server keeps the
    /// token and completes with the access token the code's verification returns.
    AddMethod { method: NewMethod },
    /// A challenge before a password reset by email link takes effect. Signed out, like
    /// sign-in; carries the link and the new password's hash until the return.
    ResetPassword { link: String, password_hash: String },
}

impl Purpose {
    pub fn action(&self) -> &'static str {
        match self {
            Purpose::SignIn { .. } => "signIn",
            Purpose::Settings { manage: false } => "enroll",
            Purpose::Settings { manage: true } => "manage",
            Purpose::VerifyToRemove { .. } => "removeAuthenticator",
            Purpose::VerifyToAddPasskey => "verifyToAddPasskey",
            Purpose::AddPasskey => "addPasskey",
            Purpose::ResetPassword { .. } => "resetPassword",
            Purpose::VerifyToAddMethod { method } => match method {
                NewMethod::AuthenticatorApp => "verifyToAddAuthenticatorApp",
                NewMethod::EmailOtp => "verifyToAddEmailOtp",
                NewMethod::Sms => "verifyToAddSms",
            },
            Purpose::AddMethod { method } => match method {
                NewMethod::AuthenticatorApp => "addAuthenticatorApp",
                NewMethod::EmailOtp => "addEmailOtp",
                NewMethod::Sms => "addSms",
            },
        }
    }

    fn return_path(&self) -> &'static str {
        match self {
            Purpose::SignIn { .. } => routes::SIGN_IN_RETURN,
            Purpose::AddPasskey => routes::ADD_PASSKEY,
            Purpose::AddMethod { method } => method.page(),
            Purpose::ResetPassword { .. } => routes::RESET_PASSWORD_RETURN,
            _ => routes::ACCOUNT_RETURN,
        }
    }

    /// The scopes to track with, given whether this customer was verified moments ago.
    fn scope(&self, verified_recently: bool) -> Option<&'static str> {
        match self {
            Purpose::Settings { manage: true } if verified_recently => Some(BINDING_SCOPES),
            Purpose::AddPasskey | Purpose::AddMethod { .. } if verified_recently => Some(ADD_SCOPE),
            _ => None,
        }
    }

    /// Started by a signed-out visitor (sign-in, password reset): nobody need be signed in
    /// at the return, and only a challenge sends the browser to the pre-built UI.
    pub fn is_sign_in(&self) -> bool {
        matches!(self, Purpose::SignIn { .. } | Purpose::ResetPassword { .. })
    }

    /// Completed on our own pages with a token that never left the shop (or came back from
    /// the Web SDK), not by a link: a launch no stranger's link can reach.
    fn is_in_place(&self) -> bool {
        matches!(self, Purpose::AddPasskey | Purpose::AddMethod { .. })
    }
}

/// The launch waiting for its return: one per session, taken by the first return.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    pub purpose: Purpose,
    pub user_id: String,
    pub idempotency_key: String,
    pub url: String,
    /// Tracked with [`BINDING_SCOPES`]: the UI may skip its challenge.
    pub scoped: bool,
    /// Unix seconds.
    pub started_at: i64,
    /// The same instant in milliseconds (0 for launches kept before it was), so what the
    /// visit changed can be told from what came just before it.
    #[serde(default)]
    pub started_at_ms: i64,
}

impl Pending {
    /// Its token is still within track's 10 minutes: a return (or an in-place step) can succeed.
    pub fn is_alive(&self) -> bool {
        now_unix() - self.started_at <= PENDING_TTL_SECS
    }
}

/// When this session's customer last completed an Authsignal challenge, by Authsignal's clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verified {
    pub user_id: String,
    /// Unix seconds.
    pub at: i64,
}

/// What `start` leads to.
#[derive(Debug)]
pub enum Started {
    /// Send the browser to the pre-built UI (or, for the Web SDK, hand it `token`).
    /// `repeated`: a double click reused the launch (and has no token).
    Go {
        url: String,
        token: Option<authsignal::ChallengeToken>,
        repeated: bool,
        scoped: bool,
        is_enrolled: Option<bool>,
    },
    /// Authsignal decided without the UI: blocked or held for review (any purpose), or, at
    /// sign-in, allowed without a challenge.
    Decided {
        state: ActionState,
        is_enrolled: bool,
    },
    /// Authsignal could not be asked: nothing was tracked.
    ProviderDown,
}

impl Started {
    /// Authsignal's rules blocked the action or held it for review: the one place those two
    /// answers become a refusal.
    pub fn refused_by_rules(&self) -> Option<Refusal> {
        match self {
            Started::Decided {
                state: ActionState::Block,
                ..
            } => Some(Refusal::Blocked),
            Started::Decided {
                state: ActionState::ReviewRequired,
                ..
            } => Some(Refusal::UnderReview),
            _ => None,
        }
    }
}

/// Tracks the purpose's action for `user_id` and remembers it as pending when the browser
/// is to go to the pre-built UI.
pub async fn start(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
    purpose: Purpose,
    context: &RequestContext,
) -> Result<Started, AppError> {
    let scoped_for = scope_for(state, session, user_id, &purpose).await?;
    let scoped = scoped_for.is_some();
    if let Some(repeated) = relaunch(session, &purpose, user_id, scoped).await? {
        return Ok(repeated);
    }
    let idempotency_key = random_hex();
    let request = track_request(state, &purpose, scoped_for, context, &idempotency_key);
    let response = match state
        .authsignal
        .track(user_id, purpose.action(), &request)
        .await
    {
        Ok(response) => response,
        Err(e) => {
            tracing::warn!(error = %e, action = purpose.action(), "tracking an Authsignal action failed");
            return Ok(Started::ProviderDown);
        }
    };
    // Blocked or held for review: never to the UI, whatever the purpose.
    let decided_here = matches!(
        response.state,
        ActionState::Block | ActionState::ReviewRequired
    );
    let goes_to_ui = !decided_here
        && (!purpose.is_sign_in() || response.state == ActionState::ChallengeRequired);
    if !goes_to_ui {
        return Ok(Started::Decided {
            state: response.state,
            is_enrolled: response.is_enrolled,
        });
    }
    // Only ever send the browser to a web URL.
    if !(response.url.starts_with("https://") || response.url.starts_with("http://")) {
        tracing::error!(
            action = purpose.action(),
            "Authsignal's track response had no usable url"
        );
        return Ok(Started::ProviderDown);
    }
    let pending = Pending {
        purpose,
        user_id: user_id.to_string(),
        idempotency_key: if response.idempotency_key.is_empty() {
            idempotency_key
        } else {
            response.idempotency_key
        },
        url: response.url.clone(),
        scoped,
        started_at: now_unix(),
        started_at_ms: crate::server::clock::now_unix_ms(),
    };
    session.set_pending_round_trip(&pending).await?;
    if !pending.purpose.is_sign_in() {
        // The receipt for whatever this visit changes names this browser.
        let origin = crate::server::web::request_context::origin_of(context);
        state
            .users
            .remember_change_origin(user_id, &origin.browser, &origin.network)
            .await;
    }
    Ok(Started::Go {
        url: response.url,
        token: Some(response.token),
        repeated: false,
        scoped,
        is_enrolled: Some(response.is_enrolled),
    })
}

/// The scope a launch carries: only settings and adding a passkey, and only when the customer
/// passed a challenge in the verification window.
async fn scope_for(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
    purpose: &Purpose,
) -> Result<Option<&'static str>, AppError> {
    let may_scope = matches!(
        purpose,
        Purpose::Settings { manage: true } | Purpose::AddPasskey | Purpose::AddMethod { .. }
    );
    if !may_scope {
        return Ok(None);
    }
    Ok(purpose.scope(verified_recently(state, session, user_id).await?))
}

/// A double click reuses the launch it repeats, while it is fresh.
async fn relaunch(
    session: &TypedSession,
    purpose: &Purpose,
    user_id: &str,
    scoped: bool,
) -> Result<Option<Started>, AppError> {
    let Some(previous) = session.pending_round_trip().await? else {
        return Ok(None);
    };
    let fresh = now_unix() - previous.started_at < RELAUNCH_WINDOW_SECS;
    // Reused only as it was launched: a launch never keeps scopes its customer no longer merits.
    let same =
        previous.purpose == *purpose && previous.user_id == user_id && previous.scoped == scoped;
    // Sign-ins and in-place launches always track afresh: they need the launch's own token.
    let reusable = !purpose.is_sign_in() && !purpose.is_in_place();
    if !(same && fresh && reusable) {
        return Ok(None);
    }
    Ok(Some(Started::Go {
        url: previous.url,
        token: None,
        repeated: true,
        scoped,
        is_enrolled: None,
    }))
}

/// What `track` is told: where to come back to, the scope, and the request's device facts.
fn track_request(
    state: &AppState,
    purpose: &Purpose,
    scope: Option<&str>,
    context: &RequestContext,
    idempotency_key: &str,
) -> TrackRequest {
    TrackRequest {
        redirect_url: Some(format!(
            "{}{}",
            state.settings.origin(),
            purpose.return_path()
        )),
        redirect_to_settings: matches!(purpose, Purpose::Settings { .. }).then_some(true),
        scope: scope.map(str::to_string),
        device_id: Some(context.device_id.clone()),
        user_agent: context.user_agent.clone(),
        ip_address: context.ip_address.clone(),
        idempotency_key: Some(idempotency_key.to_string()),
        ..TrackRequest::default()
    }
}

/// How a return ended.
#[derive(Debug)]
pub enum Completion {
    /// The token is genuine for what was pending. `verified`: a challenge was completed.
    Done {
        purpose: Purpose,
        user_id: String,
        verified: bool,
        method: Option<VerificationMethod>,
        /// When the launch started (unix milliseconds): what it changed came after.
        started_at: i64,
    },
    /// Refused; `pending` is what the return used up, if anything was waiting.
    Refused {
        pending: Option<Pending>,
        why: Refusal,
    },
}

/// Validates `token` for the launch this session is waiting on, arriving at `return_path`.
/// `signed_in` is who is signed in now: every purpose but sign-in must come back to the
/// customer who left.
pub async fn complete(
    state: &AppState,
    session: &TypedSession,
    token: Option<String>,
    signed_in: Option<&str>,
    return_path: &str,
) -> Result<Completion, AppError> {
    let Some(pending) = session.pending_round_trip().await? else {
        return Ok(Completion::Refused {
            pending: None,
            why: Refusal::NothingPending,
        });
    };
    // A launch that comes back through a link (to the account page) is used up only by a token
    // of its own: a link the customer was tricked into opening must not cancel it. A sign-in's
    // pending slot, and the Web SDK's (posted by the page itself), are used up by any return.
    let keeps_launch = !pending.purpose.is_sign_in() && !pending.purpose.is_in_place();
    if !keeps_launch || !pending.is_alive() {
        session.take_pending_round_trip().await?;
    }
    let refused = |pending: Pending, why| {
        Ok(Completion::Refused {
            pending: Some(pending),
            why,
        })
    };
    // Not this launch's return: refused, and a kept launch stays pending (no activity line).
    let foreign = |pending: Pending, why| match keeps_launch {
        true => Ok(Completion::Refused { pending: None, why }),
        false => refused(pending, why),
    };
    if !pending.is_alive() {
        return refused(pending, Refusal::NothingPending);
    }
    let wrong_customer =
        !pending.purpose.is_sign_in() && signed_in != Some(pending.user_id.as_str());
    if wrong_customer || pending.purpose.return_path() != return_path {
        return foreign(pending, Refusal::Invalid);
    }
    // Only what could be a token is asked about: a huge or odd one must not make validation
    // fail (and so end the launch as "cannot confirm").
    let Some(token) = token.filter(|t| looks_like_a_token(t)) else {
        return foreign(pending, Refusal::Invalid);
    };
    let request = ValidateChallengeRequest::for_user_action(
        token,
        pending.user_id.clone(),
        pending.purpose.action(),
    );
    let result = match state.authsignal.validate_challenge(&request).await {
        Ok(result) => result,
        Err(e) => {
            tracing::warn!(error = %e, "validating a return from Authsignal failed");
            // Unconfirmable: the launch ends as before (the next press starts afresh).
            if keeps_launch {
                session.take_pending_round_trip().await?;
            }
            return refused(pending, Refusal::CannotConfirm);
        }
    };
    if !is_genuine(&result, &pending) {
        tracing::info!(action = pending.purpose.action(), state = ?result.state, "return from Authsignal refused by validation");
        return foreign(pending, Refusal::Invalid);
    }
    // This launch's own token: it completes the launch once; a replay finds nothing pending.
    if keeps_launch {
        session.take_pending_round_trip().await?;
    }
    accept(state, session, pending, result).await
}

/// A genuine return: accepted when its challenge was completed (or, for a scoped settings
/// visit, when none was needed); a completed challenge is remembered for the binding window.
async fn accept(
    state: &AppState,
    session: &TypedSession,
    pending: Pending,
    result: ValidateChallengeResponse,
) -> Result<Completion, AppError> {
    let verified = result.state == Some(ActionState::ChallengeSucceeded) && result.is_valid;
    // A scoped settings visit may end without a challenge; every other purpose needs one.
    let accepted = verified
        || (pending.scoped
            && matches!(pending.purpose, Purpose::Settings { .. })
            && matches!(
                result.state,
                Some(ActionState::ChallengeRequired) | Some(ActionState::Allow)
            ));
    if !accepted {
        tracing::info!(action = pending.purpose.action(), state = ?result.state, "return from Authsignal: challenge not completed");
        return Ok(Completion::Refused {
            pending: Some(pending),
            why: Refusal::NotVerified,
        });
    }
    if verified {
        let at = challenge_time(state, &pending.user_id, result.state_updated_at.as_deref());
        session
            .set_verified(&Verified {
                user_id: pending.user_id.clone(),
                at,
            })
            .await?;
    }
    Ok(Completion::Done {
        started_at: pending.started_at_ms.max(pending.started_at * 1000),
        purpose: pending.purpose,
        user_id: pending.user_id,
        verified,
        method: result.verification_method,
    })
}

/// A JWT's shape (three base64url parts), and bounded.
fn looks_like_a_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 4096
        && token.split('.').count() == 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The token names the user, action and idempotency key that were launched.
fn is_genuine(result: &ValidateChallengeResponse, pending: &Pending) -> bool {
    result.user_id.as_deref() == Some(pending.user_id.as_str())
        && result.action.as_deref() == Some(pending.purpose.action())
        && result.idempotency_key.as_deref() == Some(pending.idempotency_key.as_str())
}

/// This customer completed a challenge within the verification window, by Authsignal's clock.
pub async fn verified_recently(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
) -> Result<bool, AppError> {
    Ok(verified_ago(state, session, user_id)
        .await?
        .is_some_and(|secs| (0..VERIFICATION_WINDOW_SECS).contains(&secs)))
}

/// Seconds since this customer's last completed challenge, if one is remembered.
async fn verified_ago(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
) -> Result<Option<i64>, AppError> {
    let verified = session.verified().await?.filter(|v| v.user_id == user_id);
    Ok(verified.map(|v| state.authsignal_clock.now_for(user_id) - v.at))
}

/// When a challenge was completed, by Authsignal's clock: its `stateUpdatedAt`, else now, and
/// never later than now (a clock ahead of ours must not lengthen the window).
pub fn challenge_time(state: &AppState, user_id: &str, state_updated_at: Option<&str>) -> i64 {
    let now = state.authsignal_clock.now_for(user_id);
    state_updated_at
        .and_then(unix_seconds)
        .map_or(now, |at| at.min(now))
}

fn unix_seconds(iso: &str) -> Option<i64> {
    time::OffsetDateTime::parse(iso, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// The launch this session is waiting on (one at a time).
const PENDING: SessionKey<Pending> = SessionKey::new("security.pending");
/// Who last completed an Authsignal challenge in this session, and when.
const VERIFIED: SessionKey<Verified> = SessionKey::new("security.verified");

impl TypedSession {
    /// The Authsignal round trip this session is waiting on (one at a time).
    pub async fn pending_round_trip(&self) -> Result<Option<Pending>, AppError> {
        self.get(&PENDING).await
    }

    pub async fn set_pending_round_trip(&self, pending: &Pending) -> Result<(), AppError> {
        self.put(&PENDING, pending).await
    }

    /// Takes the pending round trip: a token can complete it once.
    pub async fn take_pending_round_trip(&self) -> Result<Option<Pending>, AppError> {
        self.take(&PENDING).await
    }

    /// Who last completed an Authsignal challenge in this session, and when.
    pub async fn verified(&self) -> Result<Option<Verified>, AppError> {
        self.get(&VERIFIED).await
    }

    pub async fn set_verified(&self, verified: &Verified) -> Result<(), AppError> {
        self.put(&VERIFIED, verified).await
    }
}
