//! The flows behind the security section's buttons. Each server function in
//! `crate::api::security` is a thin wrapper around one of these.

use std::net::SocketAddr;

use authsignal::TrackRequest;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue};

use super::change_lease;
use super::events::EventKind;
use super::request_context::RequestContext;
use super::{now_unix, views, VERIFICATION_WINDOW_SECS};
use crate::api::security::{LaunchIntent, NoticeTone, SecurityOverview, SecurityStatus};
use crate::api::AppError;
use crate::server::session::{LaunchPurpose, PendingLaunch, TypedSession};
use crate::server::state::AppState;

pub const UNAVAILABLE_TO_CHANGE: &str =
    "We couldn't reach our security provider, so nothing was changed. Please try again in a moment.";
pub const LAST_ONE: &str = "You can't remove your only authenticator: without one you couldn't complete \
     two-step sign-in and could be locked out of your account. Add another authenticator first.";
pub const CHANGE_IN_PROGRESS: &str = "Another change to your authenticators is in progress. Please try again in a moment.";
/// A second press of the button within this many seconds reuses the first launch.
const RELAUNCH_WINDOW_SECS: i64 = 30;

/// The section's data: Authsignal's two reads run concurrently, alongside the local ones.
pub async fn load_overview() -> Result<SecurityOverview, AppError> {
    let session = TypedSession::extract().await?;
    let user_id = session.require_user_id().await?;
    let state = AppState::from_context()?;
    let upstream = async {
        tokio::try_join!(state.authsignal.get_user(&user_id), state.authsignal.get_authenticators(&user_id))
    };
    let (upstream, notice, verified_at, activity, known) = tokio::join!(
        upstream,
        session.take_notice(),
        session.verified_at(),
        state.events.latest(&user_id),
        state.users.two_step_enrolled(&user_id)
    );
    let status = match upstream {
        Ok((user, authenticators)) => {
            // Remembered for sign-in while Authsignal is down; written only when it changed.
            if known != Some(user.is_enrolled) {
                state.users.set_two_step_enrolled(&user_id, user.is_enrolled).await;
            }
            views::status(&user, &authenticators)
        }
        Err(e) => {
            tracing::warn!(error = %e, "Authsignal unavailable while loading the security section");
            SecurityStatus::Unavailable
        }
    };
    let activity = activity.unwrap_or_else(|e| {
        tracing::error!(error = %e, "loading security activity failed");
        Vec::new()
    });
    Ok(SecurityOverview { status, notice: notice?, activity, recently_verified: is_recent(verified_at?) })
}

fn is_recent(verified_at: Option<i64>) -> bool {
    verified_at.is_some_and(|at| now_unix() - at < VERIFICATION_WINDOW_SECS)
}

/// The request as the flows need it.
struct Caller {
    session: TypedSession,
    user_id: String,
    state: AppState,
    headers: HeaderMap,
    peer: Option<SocketAddr>,
}

impl Caller {
    async fn extract() -> Result<Caller, AppError> {
        let session = TypedSession::extract().await?;
        let user_id = session.require_user_id().await?;
        let state = AppState::from_context()?;
        let headers = leptos_axum::extract::<HeaderMap>().await.map_err(|_| AppError::Internal)?;
        let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>().await.ok().map(|c| c.0);
        Ok(Caller { session, user_id, state, headers, peer })
    }

    /// A plain HTML form post (JavaScript off) wants a 303; the hydrated page wants the URL.
    fn is_plain_form_post(&self) -> bool {
        self.headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// Sends the browser to `target`: a 303 for a plain form, the URL for the hydrated page.
    fn go(&self, target: String) -> Result<String, AppError> {
        if self.is_plain_form_post() {
            leptos_axum::redirect(&target);
        }
        Ok(target)
    }

    /// Shows `message` on the account page and sends the customer back there.
    async fn back_with(&self, tone: NoticeTone, message: &str, target: &str) -> Result<String, AppError> {
        self.session.set_notice(tone, message).await?;
        self.go(target.to_string())
    }

    /// Tracks `action` and remembers it as pending; `None` when this is a repeat of a launch
    /// made seconds ago (a double click), whose URL is returned instead of tracking again.
    async fn track(&self, action: &str, purpose: LaunchPurpose, redirect_to_settings: bool) -> Result<Launch, AppError> {
        if let Some(previous) = self.session.pending_launch().await? {
            if previous.purpose == purpose && now_unix() - previous.launched_at < RELAUNCH_WINDOW_SECS {
                return Ok(Launch { url: previous.url, repeated: true });
            }
        }
        let settings = &self.state.settings;
        let context = RequestContext::from_parts(&self.headers, self.peer, &settings.trusted_proxies, settings.cookies_secure());
        if let Some(cookie) = &context.new_device_cookie {
            if let (Some(options), Ok(value)) = (leptos::prelude::use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(cookie)) {
                options.append_header(header::SET_COOKIE, value);
            }
        }
        let idempotency_key = super::random_hex();
        let request = TrackRequest {
            redirect_url: Some(format!("{}/account", settings.origin())),
            redirect_to_settings: redirect_to_settings.then_some(true),
            device_id: Some(context.device_id),
            user_agent: context.user_agent,
            ip_address: context.ip_address,
            idempotency_key: Some(idempotency_key.clone()),
            ..TrackRequest::default()
        };
        let response = self.state.authsignal.track(&self.user_id, action, &request).await.map_err(|e| {
            tracing::warn!(error = %e, action, "tracking an Authsignal action failed");
            AppError::SecurityUnavailable
        })?;
        // Only ever send the browser to a web URL.
        if !(response.url.starts_with("https://") || response.url.starts_with("http://")) {
            tracing::error!(action, "Authsignal's track response had no usable url");
            return Err(AppError::SecurityUnavailable);
        }
        let launch = PendingLaunch {
            action: action.to_string(),
            purpose,
            idempotency_key: if response.idempotency_key.is_empty() { idempotency_key } else { response.idempotency_key },
            url: response.url.clone(),
            launched_at: now_unix(),
        };
        self.session.set_pending_launch(&launch).await?;
        Ok(Launch { url: response.url, repeated: false })
    }
}

impl Caller {
    /// Tracks `action`, records `words` in the activity (once, not for a double click) and sends
    /// the browser to the pre-built UI; during an outage, back to the page with a message.
    async fn open_pre_built_ui(&self, action: &str, purpose: LaunchPurpose, redirect_to_settings: bool, words: &str) -> Result<String, AppError> {
        match self.track(action, purpose, redirect_to_settings).await {
            Ok(launch) => {
                if !launch.repeated {
                    self.state.events.record(&self.user_id, EventKind::Launch, words).await;
                }
                self.go(launch.url)
            }
            Err(AppError::SecurityUnavailable) => self.back_with(NoticeTone::Error, UNAVAILABLE_TO_CHANGE, "/account").await,
            Err(e) => Err(e),
        }
    }
}

/// Where to send the browser, and whether this repeated a launch made a moment ago.
struct Launch {
    url: String,
    repeated: bool,
}

/// Tracks `enroll` or `manage` and sends the customer to the pre-built UI.
/// The intent only names the action; what the UI offers follows the customer's real enrollment.
pub async fn launch(intent: LaunchIntent) -> Result<String, AppError> {
    let caller = Caller::extract().await?;
    let (action, words) = match intent {
        LaunchIntent::Enroll => ("enroll", "Started enrolling an authenticator"),
        LaunchIntent::Manage => ("manage", "Opened authenticator settings"),
    };
    caller.open_pre_built_ui(action, LaunchPurpose::Settings, true, words).await
}

/// Removes an authenticator: only after a recent challenge (otherwise the customer is sent
/// through one first and comes back to confirm), never the last one.
pub async fn remove(authenticator_id: String) -> Result<String, AppError> {
    let caller = Caller::extract().await?;
    if !is_recent(caller.session.verified_at().await?) {
        return verify_first(&caller, authenticator_id).await;
    }
    let pool = &caller.state.pool;
    let lease = match change_lease::acquire(pool, &caller.user_id).await {
        Ok(Some(lease)) => lease,
        Ok(None) => return caller.back_with(NoticeTone::Error, CHANGE_IN_PROGRESS, "/account").await,
        Err(e) => {
            tracing::error!(error = %e, "taking the authenticator change lease failed");
            return Err(AppError::Internal);
        }
    };
    let removed = remove_while_leased(&caller, authenticator_id).await;
    change_lease::release(pool, lease).await;
    removed
}

/// The removal itself, with this customer's change lease held: the count it checks cannot
/// change underneath it.
async fn remove_while_leased(caller: &Caller, authenticator_id: String) -> Result<String, AppError> {
    let client = &caller.state.authsignal;
    let authenticators = match client.get_authenticators(&caller.user_id).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "listing authenticators before removal failed");
            return caller.back_with(NoticeTone::Error, UNAVAILABLE_TO_CHANGE, "/account").await;
        }
    };
    let Some(target) = authenticators.iter().find(|a| a.user_authenticator_id == authenticator_id) else {
        return caller.back_with(NoticeTone::Error, "That authenticator is no longer on your account.", "/account").await;
    };
    if authenticators.len() <= 1 {
        return caller.back_with(NoticeTone::Error, LAST_ONE, "/account").await;
    }
    let described = views::describe(target);
    if let Err(e) = client.delete_authenticator(&caller.user_id, &authenticator_id).await {
        tracing::warn!(error = %e, "removing an authenticator failed");
        return caller.back_with(NoticeTone::Error, UNAVAILABLE_TO_CHANGE, "/account").await;
    }
    tracing::info!(user_id = %caller.user_id, "authenticator removed");
    caller.state.events.record(&caller.user_id, EventKind::Removal, &format!("Removed {described}")).await;
    caller.back_with(NoticeTone::Success, &format!("{described} was removed."), "/account").await
}

/// Tracks a challenge whose success brings the customer back to confirm the removal.
async fn verify_first(caller: &Caller, authenticator_id: String) -> Result<String, AppError> {
    let purpose = LaunchPurpose::Remove { authenticator_id };
    caller.open_pre_built_ui("removeAuthenticator", purpose, false, "Started verifying to remove an authenticator").await
}
