//! Passkeys with Authsignal's Web SDK (the Client-SDK path): added in place on the storefront's
//! own page, and used to sign in. The ceremony runs in the browser; the server only tracks
//! the action (handing the page its short-lived token) and validates what comes back.

use std::net::SocketAddr;

use authsignal::{ActionState, ChallengeToken, ValidateChallengeRequest};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

use crate::model::passkeys::{AddPasskeyStep, AddPasskeyView, PasskeyCeremony};
use crate::model::security::NoticeTone;
use crate::model::words;
use crate::model::AppError;
use crate::routes;
use crate::routes::safe_next;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::custom_ui::{finish_added, may_add_now};
use crate::server::authsignal::round_trip;
use crate::server::authsignal::round_trip::{Completion, Purpose, Refusal, Started, Verified};
use crate::server::authsignal::{client, views};
use crate::server::sessions::{SessionKey, TypedSession};
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::extract::{Caller, SignedIn};
use crate::server::web::request_context::{client_ip, with_device_cookie, RequestContext};

/// The action a passkey sign-in is tracked as by the Web SDK (`passkey.signIn({ action })`).
pub const SIGN_IN_ACTION: &str = "signInWithPasskey";

/// The signed-in customer, their session and the state, for a server function.
async fn signed_in() -> Result<(TypedSession, String, AppState), AppError> {
    let caller = Caller::signed_in().await?;
    Ok((caller.session, caller.user_id, caller.state))
}

/// What the add-a-passkey page shows first.
pub async fn add_step() -> Result<AddPasskeyView, AppError> {
    let (session, user_id, state) = signed_in().await?;
    let notice = session.take_notice().await?;
    let step = if state.settings.tenant_id.is_none() {
        AddPasskeyStep::Unavailable
    } else if may_add_now(&state, &session, &user_id).await? {
        AddPasskeyStep::Ready
    } else {
        AddPasskeyStep::VerifyFirst
    };
    Ok(AddPasskeyView { step, notice })
}

/// Tracks `addPasskey` and hands the page what `passkey.signUp` needs.
pub async fn start_enrollment() -> Result<PasskeyCeremony, AppError> {
    let (session, user_id, state) = signed_in().await?;
    let tenant_id = state
        .settings
        .tenant_id
        .clone()
        .ok_or_else(|| AppError::Rejected(words::PASSKEYS_NOT_CONFIGURED.into()))?;
    if !may_add_now(&state, &session, &user_id).await? {
        return Err(AppError::Rejected(words::VERIFY_BEFORE_PASSKEY.into()));
    }
    let customer = state.users.find_by_id(&user_id).await.map_err(|e| {
        tracing::error!(error = %e, "loading the customer failed");
        AppError::Internal
    })?;
    let customer = customer.ok_or(AppError::NotSignedIn)?;
    let context = RequestContext::of_server_fn(&state.settings).await?;
    match round_trip::start(&state, &session, &user_id, Purpose::AddPasskey, &context).await? {
        Started::Go {
            token: Some(token), ..
        } => Ok(PasskeyCeremony {
            token: token.expose().to_string(),
            username: customer.email,
            display_name: customer.display_name,
            tenant_id,
            base_url: client::api_base_url(&state.settings),
        }),
        started => match started.refused_by_rules() {
            Some(why) => Err(AppError::Rejected(why.on_account().into())),
            None => Err(AppError::SecurityUnavailable),
        },
    }
}

/// Validates the ceremony's token for this customer and the `addPasskey` launched from this
/// session, records what was added, and sends the customer back to their account.
pub async fn finish_enrollment(token: String) -> Result<String, AppError> {
    let (session, user_id, state) = signed_in().await?;
    match round_trip::complete(
        &state,
        &session,
        Some(token),
        Some(&user_id),
        routes::ADD_PASSKEY,
    )
    .await?
    {
        Completion::Done {
            purpose: Purpose::AddPasskey,
            verified: true,
            started_at,
            ..
        } => {
            let added = newest_passkey(&state, &user_id).await;
            tracing::info!(user_id = %user_id, "passkey added with the Web SDK");
            finish_added(&state, &session, &user_id, started_at, &added).await?;
            Ok(routes::ACCOUNT.to_string())
        }
        Completion::Done { .. } => Err(AppError::Rejected(Refusal::Invalid.on_account().into())),
        Completion::Refused { pending, why } => {
            // The ceremony is over either way: later changes are not this browser's.
            if pending.is_some() {
                state.users.end_change(&user_id).await;
            }
            if pending.is_some() && why != Refusal::CannotConfirm {
                state
                    .events
                    .record(&user_id, EventKind::Return, "Adding a passkey was refused")
                    .await;
            }
            Err(AppError::Rejected(why.on_account().into()))
        }
    }
}

/// "Passkey (Google Password Manager)": the newest passkey, as the list names it.
async fn newest_passkey(state: &AppState, user_id: &str) -> String {
    let list = state
        .authsignal
        .get_authenticators(user_id)
        .await
        .unwrap_or_default();
    list.iter()
        .filter(|a| a.verification_method == authsignal::VerificationMethod::Passkey)
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
        .map(views::describe)
        .unwrap_or_else(|| "A passkey".to_string())
}

/// `POST /account/add-passkey/verify`: the challenge an enrolled customer passes before adding
/// a passkey, in the pre-built UI; it comes back to the add-a-passkey page.
pub async fn verify_to_add(
    State(state): State<AppState>,
    SignedIn { session, user_id }: SignedIn,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> PageResult {
    let context = RequestContext::of_request(&headers, peer, &state.settings);
    let purpose = Purpose::VerifyToAddPasskey;
    let message = match round_trip::start(&state, &session, &user_id, purpose, &context).await? {
        Started::Go { url, repeated, .. } => {
            if !repeated {
                let line = "Started verifying to add a passkey";
                state.events.record(&user_id, EventKind::Launch, line).await;
            }
            let response = Redirect::to(&url).into_response();
            return Ok(with_device_cookie(response, context.device_cookie()));
        }
        started => started
            .refused_by_rules()
            .map_or(words::UNAVAILABLE_TO_CHANGE, Refusal::on_account),
    };
    session.set_notice(NoticeTone::Error, message).await?;
    Ok(Redirect::to(routes::ADD_PASSKEY).into_response())
}

/// Signs in the customer whose passkey answered `passkey.signIn`: Authsignal says the token is
/// valid, for this action, completed, and for a customer of this shop. Each token signs in
/// once; failed attempts count against the address like wrong passwords.
pub async fn finish_sign_in(token: String, next: String) -> Result<String, AppError> {
    let session = TypedSession::extract().await?;
    let state = AppState::from_context()?;
    let headers = leptos_axum::extract::<HeaderMap>()
        .await
        .map_err(|_| AppError::Internal)?;
    let peer = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|c| c.0);
    let ip = client_ip(&headers, peer, &state.settings.trusted_proxies);
    let attempt = state
        .sign_in_limits
        .passkey_attempt(ip)
        .await
        .map_err(|blocked| AppError::Rejected(blocked.message()))?;
    let request = ValidateChallengeRequest {
        token: ChallengeToken::new(token),
        user_id: None,
        action: Some(SIGN_IN_ACTION.into()),
    };
    let result = state
        .authsignal
        .validate_challenge(&request)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "validating a passkey sign-in failed");
            AppError::Rejected(Refusal::CannotConfirm.at_sign_in().into())
        })?;
    let passed = result.is_valid
        && result.state == Some(ActionState::ChallengeSucceeded)
        && result.action.as_deref() == Some(SIGN_IN_ACTION);
    let (Some(user_id), Some(key), true) = (
        result.user_id.clone(),
        result.idempotency_key.clone(),
        passed,
    ) else {
        tracing::info!(state = ?result.state, "passkey sign-in refused by validation");
        return Err(AppError::Rejected(words::PASSKEY_NOT_ACCEPTED.into()));
    };
    if !state
        .sign_in_limits
        .first_use(&format!("{user_id}/{key}"))
        .await
    {
        tracing::warn!("passkey sign-in refused: token already used");
        return Err(AppError::Rejected(words::PASSKEY_NOT_ACCEPTED.into()));
    }
    let known = state.users.find_by_id(&user_id).await.map_err(|e| {
        tracing::error!(error = %e, "loading the customer failed");
        AppError::Internal
    })?;
    let Some(user) = known else {
        tracing::info!("passkey sign-in refused: no such customer here");
        return Err(AppError::Rejected(words::PASSKEY_WITHOUT_ACCOUNT.into()));
    };
    let context = RequestContext::of_server_fn(&state.settings).await?;
    crate::server::accounts::devices::start_session(&state, &session, &user, &context, false)
        .await?;
    // The passkey is a completed challenge: no second one for Manage in the next ten minutes.
    let at = round_trip::challenge_time(&state, &user_id, result.state_updated_at.as_deref());
    session
        .set_verified(&Verified {
            user_id: user_id.clone(),
            at,
        })
        .await?;
    state.sign_in_limits.succeeded(attempt).await;
    state
        .events
        .record(&user_id, EventKind::SignIn, "Signed in with a passkey")
        .await;
    tracing::info!(user_id = %user_id, "customer signed in with a passkey");
    Ok(safe_next(&next).to_string())
}

/// Signed in with a password this session: the account page may offer a passkey.
const PASSKEY_OFFER: SessionKey<bool> = SessionKey::new("security.passkey_offer");

impl TypedSession {
    /// Signed in with a password this session: the account page may offer a passkey.
    pub async fn set_passkey_offer(&self) -> Result<(), AppError> {
        self.put(&PASSKEY_OFFER, &true).await
    }

    pub async fn passkey_offer(&self) -> Result<bool, AppError> {
        Ok(self.get(&PASSKEY_OFFER).await?.unwrap_or(false))
    }

    pub async fn end_passkey_offer(&self) -> Result<(), AppError> {
        self.take(&PASSKEY_OFFER).await.map(|_| ())
    }
}

/// `POST /account/passkey-offer/dismiss`: "Not now" to the passkey offer, for good.
pub async fn dismiss_passkey_offer(
    State(state): State<AppState>,
    SignedIn { session, user_id }: SignedIn,
) -> PageResult {
    state.users.dismiss_passkey_offer(&user_id).await?;
    session.end_passkey_offer().await?;
    Ok(Redirect::to(routes::ACCOUNT).into_response())
}
