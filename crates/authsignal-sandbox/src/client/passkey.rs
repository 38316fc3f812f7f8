//! Passkeys through the Client API: registration (options + add), authentication (options +
//! verify) with a token, usernameless sign-in with the tenant id (`/challenge`, then options
//! + verify for whichever user's discoverable credential answers), and the device check.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Webauthn,
};

use super::auth::{Bearer, Caller, TokenCaller};
use crate::clock::{iso8601, to_millis};
use crate::domain::{is_valid_action_code, Method, DEFAULT_SCOPE};
use crate::ids::new_uuid;
use crate::otp::MAX_FAILED_ATTEMPTS;
use crate::passkeys::{
    aaguid_mapping, aaguid_of, account_names, parse_user_agent, start_registration, user_handle,
    PasskeyDetails,
};
use crate::state::AppState;
use crate::store::{
    ActionRow, AuthenticatorRow, ClientChallengeRow, NewAuthenticator, CLIENT_AUTHENTICATE,
    CLIENT_REGISTER, CLIENT_SIGN_IN,
};
use crate::token::{Claims, TokenKind, ACTION_TOKEN_LIFETIME};
use crate::wire::{json, ApiError, ApiJson, ApiResult, AuthenticatorJson};

/// How long a started ceremony can be answered: the browser's 5-minute timeout plus slack.
const CEREMONY_LIFETIME: Duration = Duration::minutes(6);
/// The action a usernameless sign-in is recorded under when the app names none.
const DEFAULT_SIGN_IN_ACTION: &str = "signInWithPasskey";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegistrationOptionsBody {
    username: Option<String>,
    display_name: Option<String>,
    authenticator_attachment: Option<String>,
}

/// A started registration and the names the passkey is being made for.
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    registration: PasskeyRegistration,
    username: String,
    display_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddBody {
    registration_credential: Option<Value>,
    challenge_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OptionsBody {
    challenge_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyBody {
    authentication_credential: Option<Value>,
    device_id: Option<String>,
    challenge_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChallengeBody {
    action: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FindQuery {
    credential_ids: Option<String>,
}

fn relying_party(state: &AppState) -> Result<&Webauthn, ApiError> {
    state.relying_party.webauthn().map_err(|reason| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "invalid_configuration",
            reason,
        )
    })
}

fn not_verified() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_credential",
        "The passkey could not be verified.",
    )
}

fn stale_challenge() -> ApiError {
    ApiError::invalid_request("The challenge expired or was already used: start again.")
}

fn internal<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> ApiError {
    move |e| {
        tracing::error!(error = %e, "{what}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "The sandbox could not complete the passkey ceremony.",
        )
    }
}

fn stored_passkey(authenticator: &AuthenticatorRow) -> Option<Passkey> {
    serde_json::from_str(authenticator.passkey.as_deref()?).ok()
}

fn is_fresh(challenge: &ClientChallengeRow, now: OffsetDateTime) -> bool {
    to_millis(now) - challenge.created_at < CEREMONY_LIFETIME.whole_milliseconds() as i64
}

/// Keeps the server half of a ceremony under a new challenge id for the token's action.
async fn save_for_token(
    state: &AppState,
    caller: &TokenCaller,
    purpose: &str,
    ceremony: &impl serde::Serialize,
) -> Result<String, ApiError> {
    let challenge_id = new_uuid();
    let key = caller.key();
    state
        .store
        .save_client_challenge(&ClientChallengeRow {
            challenge_id: challenge_id.clone(),
            user_id: Some(key.user_id),
            action_code: key.action_code,
            idempotency_key: Some(key.idempotency_key),
            purpose: purpose.to_owned(),
            state: Some(
                serde_json::to_string(ceremony).map_err(internal("cannot keep a ceremony"))?,
            ),
            created_at: caller.now_ms(),
        })
        .await?;
    Ok(challenge_id)
}

/// The token's ceremony for `purpose`, taken so it is answered at most once.
async fn take_for_token(
    state: &AppState,
    caller: &TokenCaller,
    challenge_id: Option<&str>,
    purpose: &str,
) -> Result<String, ApiError> {
    let challenge_id =
        challenge_id.ok_or_else(|| ApiError::invalid_request("challengeId is required."))?;
    let challenge = state
        .store
        .take_client_challenge(challenge_id)
        .await?
        .filter(|c| c.purpose == purpose && c.belongs_to(&caller.key()))
        .filter(|c| is_fresh(c, caller.now))
        .ok_or_else(stale_challenge)?;
    challenge.state.ok_or_else(stale_challenge)
}

/// `POST /client/user-authenticators/passkey/registration-options`.
pub(crate) async fn registration_options(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    ApiJson(body): ApiJson<RegistrationOptionsBody>,
) -> ApiResult {
    let webauthn = relying_party(&state)?;
    let authenticators = state.store.list_authenticators(caller.user_id()).await?;
    caller.may_add(&authenticators)?;
    let user = state.store.find_user(caller.user_id()).await?;
    let (name, display) = account_names(
        caller.user_id(),
        user.as_ref(),
        caller.action.email.as_deref(),
    );
    let name = body
        .username
        .filter(|u| !u.trim().is_empty())
        .unwrap_or(name);
    let display = body
        .display_name
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(display);
    // The authenticator refuses to make a second passkey where it already holds one.
    let existing = authenticators
        .iter()
        .filter_map(stored_passkey)
        .map(|p| p.cred_id().clone())
        .collect();
    let (mut options, ceremony) =
        start_registration(webauthn, caller.user_id(), &name, &display, existing)
            .map_err(internal("cannot start a passkey registration"))?;
    if let (Some(selection), Some(attachment)) = (
        options.pointer_mut("/publicKey/authenticatorSelection"),
        body.authenticator_attachment
            .filter(|a| matches!(a.as_str(), "platform" | "cross-platform")),
    ) {
        selection["authenticatorAttachment"] = json!(attachment);
    }
    let pending = PendingRegistration {
        registration: ceremony,
        username: name,
        display_name: display,
    };
    let challenge_id = save_for_token(&state, &caller, CLIENT_REGISTER, &pending).await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "challengeId": challenge_id, "options": options["publicKey"] }),
    ))
}

/// `POST /client/user-authenticators/passkey`: checks the new credential and stores it.
pub(crate) async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Bearer(caller): Bearer,
    ApiJson(body): ApiJson<AddBody>,
) -> ApiResult {
    let webauthn = relying_party(&state)?;
    let authenticators = state.store.list_authenticators(caller.user_id()).await?;
    caller.may_add(&authenticators)?;
    let raw = body
        .registration_credential
        .ok_or_else(|| ApiError::invalid_request("registrationCredential is required."))?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(raw.clone()).map_err(|_| not_verified())?;
    let ceremony = take_for_token(
        &state,
        &caller,
        body.challenge_id.as_deref(),
        CLIENT_REGISTER,
    )
    .await?;
    let pending: PendingRegistration =
        serde_json::from_str(&ceremony).map_err(internal("stored registration is unreadable"))?;
    let passkey = webauthn
        .finish_passkey_registration(&credential, &pending.registration)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            not_verified()
        })?;
    let credential_id = URL_SAFE_NO_PAD.encode(passkey.cred_id());
    if state
        .store
        .find_authenticator_by_credential(&credential_id)
        .await?
        .is_some()
    {
        return Err(ApiError::invalid_request(
            "This passkey is already registered.",
        ));
    }
    let details = new_passkey_details(&headers, &caller, &credential, &raw, pending);
    let new = NewAuthenticator {
        user_id: caller.user_id().to_owned(),
        verification_method: Method::Passkey.as_str().to_owned(),
        passkey: Some(serde_json::to_string(&passkey).map_err(internal("cannot store a passkey"))?),
        credential_id: Some(credential_id),
        passkey_details: Some(
            serde_json::to_string(&details).map_err(internal("cannot store passkey details"))?,
        ),
        ..NewAuthenticator::default()
    };
    let row = state
        .store
        .enroll_authenticator(&new, caller.now_ms())
        .await?;
    state
        .store
        .mark_verified_in_ui(&caller.key(), Method::Passkey.as_str(), caller.now_ms())
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "isVerified": true,
            "accessToken": caller.fresh_token(&state),
            "userAuthenticatorId": row.authenticator_id,
            "userId": row.user_id,
            "userAuthenticator": AuthenticatorJson::from(&row),
        }),
    ))
}

/// What the sandbox records about a passkey just registered: a name (from the browser's
/// user agent, else its AAGUID), how it is attached, the device and the names it is for.
fn new_passkey_details(
    headers: &HeaderMap,
    caller: &TokenCaller,
    credential: &RegisterPublicKeyCredential,
    raw: &Value,
    pending: PendingRegistration,
) -> PasskeyDetails {
    let aaguid = aaguid_of(credential.response.attestation_object.as_ref());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(parse_user_agent);
    PasskeyDetails {
        name: user_agent
            .as_ref()
            .and_then(|ua| ua.summary())
            .or_else(|| aaguid.as_deref().and_then(aaguid_mapping).map(|m| m.name))
            .unwrap_or_else(|| "Passkey".to_owned()),
        aaguid,
        authenticator_attachment: raw["authenticatorAttachment"]
            .as_str()
            .filter(|a| matches!(*a, "platform" | "cross-platform"))
            .map(str::to_owned),
        // Authsignal always reports one; without track's, the sandbox makes one up.
        device_id: Some(caller.action.device_id.clone().unwrap_or_else(new_uuid)),
        username: Some(pending.username),
        display_name: Some(pending.display_name),
        parsed_user_agent: user_agent,
    }
}

/// `POST /client/challenge` (tenant id): starts a usernameless sign-in for `action`.
pub(crate) async fn challenge(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ChallengeBody>,
) -> ApiResult {
    if !matches!(caller, Caller::Tenant) {
        return Err(ApiError::invalid_request(
            "A challenge for an action is started with the tenant id, not a token.",
        ));
    }
    let action = body
        .action
        .unwrap_or_else(|| DEFAULT_SIGN_IN_ACTION.to_owned());
    if !is_valid_action_code(&action) {
        return Err(ApiError::invalid_request(
            "The action code must match ^[a-zA-Z0-9_-]{1,64}$.",
        ));
    }
    let challenge_id = new_uuid();
    state
        .store
        .save_client_challenge(&ClientChallengeRow {
            challenge_id: challenge_id.clone(),
            user_id: None,
            action_code: action,
            idempotency_key: None,
            purpose: CLIENT_SIGN_IN.to_owned(),
            state: None,
            created_at: to_millis(state.clock.now()),
        })
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "challengeId": challenge_id }),
    ))
}

/// `POST /client/user-authenticators/passkey/authentication-options`: the user's passkeys
/// with a token; any discoverable credential with the tenant id.
pub(crate) async fn authentication_options(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<OptionsBody>,
) -> ApiResult {
    let webauthn = relying_party(&state)?;
    let (challenge_id, options) = match caller {
        Caller::Token(caller) => {
            let passkeys: Vec<Passkey> = state
                .store
                .list_authenticators(caller.user_id())
                .await?
                .iter()
                .filter_map(stored_passkey)
                .collect();
            if passkeys.is_empty() {
                return Err(ApiError::invalid_request("This user has no passkey."));
            }
            let (options, ceremony) = webauthn
                .start_passkey_authentication(&passkeys)
                .map_err(internal("cannot start a passkey authentication"))?;
            let id = save_for_token(&state, &caller, CLIENT_AUTHENTICATE, &ceremony).await?;
            (id, options.public_key)
        }
        Caller::Tenant => {
            let now = state.clock.now();
            let mut challenge = match body.challenge_id {
                Some(id) => state
                    .store
                    .find_client_challenge(&id)
                    .await?
                    .filter(|c| c.purpose == CLIENT_SIGN_IN && c.user_id.is_none())
                    .filter(|c| is_fresh(c, now))
                    .ok_or_else(stale_challenge)?,
                None => ClientChallengeRow {
                    challenge_id: new_uuid(),
                    user_id: None,
                    action_code: DEFAULT_SIGN_IN_ACTION.to_owned(),
                    idempotency_key: None,
                    purpose: CLIENT_SIGN_IN.to_owned(),
                    state: None,
                    created_at: 0,
                },
            };
            let (options, ceremony) = webauthn
                .start_discoverable_authentication()
                .map_err(internal("cannot start a discoverable authentication"))?;
            challenge.state =
                Some(serde_json::to_string(&ceremony).map_err(internal("cannot keep a ceremony"))?);
            challenge.created_at = to_millis(now);
            state.store.save_client_challenge(&challenge).await?;
            // The page decides on autofill (conditional mediation); only the options go back.
            (challenge.challenge_id, options.public_key)
        }
    };
    Ok(json(
        StatusCode::OK,
        &json!({ "challengeId": challenge_id, "options": options }),
    ))
}

/// `POST /client/verify/passkey`.
pub(crate) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    ApiJson(body): ApiJson<VerifyBody>,
) -> ApiResult {
    let webauthn = relying_party(&state)?;
    let credential: PublicKeyCredential = body
        .authentication_credential
        .and_then(|raw| serde_json::from_value(raw).ok())
        .ok_or_else(not_verified)?;
    match caller {
        Caller::Token(caller) => {
            verify_with_token(
                &state,
                webauthn,
                &caller,
                &credential,
                body.challenge_id.as_deref(),
            )
            .await
        }
        Caller::Tenant => {
            let challenge_id = body
                .challenge_id
                .ok_or_else(|| ApiError::invalid_request("challengeId is required."))?;
            let signed_in = SignIn {
                credential: &credential,
                challenge_id: &challenge_id,
                device_id: body.device_id,
                user_agent: headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            };
            verify_usernameless(&state, webauthn, signed_in).await
        }
    }
}

async fn verify_with_token(
    state: &AppState,
    webauthn: &Webauthn,
    caller: &TokenCaller,
    credential: &PublicKeyCredential,
    challenge_id: Option<&str>,
) -> ApiResult {
    let ceremony = take_for_token(state, caller, challenge_id, CLIENT_AUTHENTICATE).await?;
    let authentication: PasskeyAuthentication =
        serde_json::from_str(&ceremony).map_err(internal("stored authentication is unreadable"))?;
    let method = Method::Passkey.as_str();
    // Spent before the check, as in the pre-built UI: 5 failed answers per action.
    if state
        .store
        .spend_challenge_attempt(&caller.key(), method, MAX_FAILED_ATTEMPTS)
        .await?
        .is_none()
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many failed passkey attempts for this action. Track a new action to try again.",
        ));
    }
    let result = webauthn
        .finish_passkey_authentication(credential, &authentication)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey authentication refused");
            not_verified()
        })?;
    let used_id = URL_SAFE_NO_PAD.encode(result.cred_id());
    let authenticators = state.store.list_authenticators(caller.user_id()).await?;
    let (used, mut passkey) = authenticators
        .iter()
        .filter(|a| a.credential_id.as_deref() == Some(used_id.as_str()))
        .find_map(|a| stored_passkey(a).map(|p| (a, p)))
        .ok_or_else(not_verified)?;
    passkey.update_credential(&result);
    let passkey = serde_json::to_string(&passkey).map_err(internal("cannot store a passkey"))?;
    let store = &state.store;
    store
        .record_passkey_use(used, &passkey, caller.now_ms())
        .await?;
    store
        .clear_challenge_attempts(&caller.key(), method)
        .await?;
    store
        .mark_verified_in_ui(&caller.key(), method, caller.now_ms())
        .await?;
    let details = PasskeyDetails::of(used).unwrap_or_default();
    Ok(json(
        StatusCode::OK,
        &json!({
            "isVerified": true,
            "accessToken": caller.fresh_token(state),
            "userId": caller.user_id(),
            "userAuthenticatorId": used.authenticator_id,
            "username": details.username,
            "userDisplayName": details.display_name,
        }),
    ))
}

/// A usernameless sign-in's answer and where it came from.
struct SignIn<'a> {
    credential: &'a PublicKeyCredential,
    challenge_id: &'a str,
    device_id: Option<String>,
    user_agent: Option<String>,
}

/// The credential names its user: check it against that user's passkey, then record the
/// challenge's action for them, succeeded, so the server's validate sees who signed in.
async fn verify_usernameless(
    state: &AppState,
    webauthn: &Webauthn,
    sign_in: SignIn<'_>,
) -> ApiResult {
    let now = state.clock.now();
    let challenge = state
        .store
        .take_client_challenge(sign_in.challenge_id)
        .await?
        .filter(|c| c.purpose == CLIENT_SIGN_IN && c.user_id.is_none())
        .filter(|c| is_fresh(c, now))
        .ok_or_else(stale_challenge)?;
    let ceremony: DiscoverableAuthentication = challenge
        .state
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(stale_challenge)?;
    let (user_handle_used, credential_id) = webauthn
        .identify_discoverable_authentication(sign_in.credential)
        .map_err(|_| not_verified())?;
    let credential_id = URL_SAFE_NO_PAD.encode(credential_id);
    let used = state
        .store
        .find_authenticator_by_credential(&credential_id)
        .await?
        .filter(|a| user_handle(&a.user_id) == user_handle_used)
        .ok_or_else(not_verified)?;
    let mut passkey = stored_passkey(&used).ok_or_else(not_verified)?;
    let result = webauthn
        .finish_discoverable_authentication(
            sign_in.credential,
            ceremony,
            &[DiscoverableKey::from(&passkey)],
        )
        .map_err(|e| {
            tracing::info!(error = %e, "usernameless passkey sign-in refused");
            not_verified()
        })?;
    passkey.update_credential(&result);
    let user_id = used.user_id.clone();
    let now = state.clock.now_for(&user_id);
    let store = &state.store;
    let stored = serde_json::to_string(&passkey).map_err(internal("cannot store a passkey"))?;
    store
        .record_passkey_use(&used, &stored, to_millis(now))
        .await?;
    let action = signed_in_action(state, &user_id, &challenge.action_code, &sign_in, now);
    store.insert_action(&action).await?;
    store
        .mark_verified_in_ui(&action.key(), Method::Passkey.as_str(), to_millis(now))
        .await?;
    let details = PasskeyDetails::of(&used).unwrap_or_default();
    Ok(json(
        StatusCode::OK,
        &json!({
            "isVerified": true,
            "accessToken": action.token,
            "userId": user_id,
            "userAuthenticatorId": used.authenticator_id,
            "username": details.username,
            "userDisplayName": details.display_name,
        }),
    ))
}

/// The action a usernameless sign-in creates, as track would for this user and code.
fn signed_in_action(
    state: &AppState,
    user_id: &str,
    action_code: &str,
    sign_in: &SignIn<'_>,
    now: OffsetDateTime,
) -> ActionRow {
    let idempotency_key = new_uuid();
    let token = state.signer.sign(&Claims {
        sub: user_id.to_owned(),
        action_code: action_code.to_owned(),
        idempotency_key: idempotency_key.clone(),
        scope: DEFAULT_SCOPE.to_owned(),
        kind: TokenKind::Action,
        iat: now.unix_timestamp(),
        exp: (now + ACTION_TOKEN_LIFETIME).unix_timestamp(),
        popup: false,
    });
    ActionRow {
        user_id: user_id.to_owned(),
        action_code: action_code.to_owned(),
        idempotency_key,
        // BLOCK or REVIEW stay so: the passkey can't pass a rule that refuses the action.
        state: state.outcomes.rule_for(action_code).state(true).to_owned(),
        verification_method: None,
        redirect_url: None,
        redirect_to_settings: false,
        scope: DEFAULT_SCOPE.to_owned(),
        email: None,
        phone_number: None,
        ip_address: None,
        user_agent: sign_in.user_agent.clone(),
        device_id: sign_in.device_id.clone(),
        custom: None,
        token,
        created_at: to_millis(now),
        state_updated_at: to_millis(now),
        ui_verified_at: None,
    }
}

/// `GET /client/user-authenticators/passkey?credentialIds=a,b`: is one of these passkeys
/// (still) registered? The SDK's `isAvailableOnDevice` only looks at the status.
pub(crate) async fn find(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<FindQuery>,
) -> ApiResult {
    let ids = query.credential_ids.unwrap_or_default();
    for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        if let Some(found) = state.store.find_authenticator_by_credential(id).await? {
            let verified = found
                .last_verified_at
                .or(found.verified_at)
                .unwrap_or(found.created_at);
            return Ok(json(
                StatusCode::OK,
                &json!({ "credentialId": id, "verifiedAt": iso8601(verified) }),
            ));
        }
    }
    Err(ApiError::not_found("No passkey with these credential ids."))
}
