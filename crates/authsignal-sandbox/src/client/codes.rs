//! Email and SMS codes through the Client API: enroll an address (a code is sent), challenge
//! the enrolled one (a code is sent), and verify whichever code was sent last.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::auth::{Bearer, TokenCaller};
use super::VerifyBody;
use super::{VerifyResponse, CODE_INVALID_OR_EXPIRED, MAX_ATTEMPTS_EXCEEDED};
use crate::domain::{Email, Method, PhoneNumber};
use crate::ids::new_uuid;
use crate::otp::CodeCheck;
use crate::sent_codes::{self, CodeRequest};
use crate::state::AppState;
use crate::store::{NewAuthenticator, PURPOSE_CHALLENGE, PURPOSE_ENROLL};
use crate::wire::{json, ApiError, ApiJson, ApiResult, AuthenticatorJson};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrollBody {
    email: Option<String>,
    phone_number: Option<String>,
}

pub(crate) async fn enroll_email(
    state: State<AppState>,
    caller: Bearer,
    body: ApiJson<EnrollBody>,
) -> ApiResult {
    enroll(Method::EmailOtp, state, caller, body).await
}

pub(crate) async fn enroll_sms(
    state: State<AppState>,
    caller: Bearer,
    body: ApiJson<EnrollBody>,
) -> ApiResult {
    enroll(Method::Sms, state, caller, body).await
}

pub(crate) async fn challenge_email(state: State<AppState>, caller: Bearer) -> ApiResult {
    challenge(Method::EmailOtp, state, caller).await
}

pub(crate) async fn challenge_sms(state: State<AppState>, caller: Bearer) -> ApiResult {
    challenge(Method::Sms, state, caller).await
}

pub(crate) async fn verify_email(
    state: State<AppState>,
    caller: Bearer,
    body: ApiJson<VerifyBody>,
) -> ApiResult {
    verify(Method::EmailOtp, state, caller, body).await
}

pub(crate) async fn verify_sms(
    state: State<AppState>,
    caller: Bearer,
    body: ApiJson<VerifyBody>,
) -> ApiResult {
    verify(Method::Sms, state, caller, body).await
}

/// The address in its normal form, or a 400 saying what is wrong with it.
fn address(method: Method, body: EnrollBody) -> Result<String, ApiError> {
    let parsed = match method {
        Method::Sms => PhoneNumber::parse(
            &body
                .phone_number
                .ok_or_else(|| ApiError::invalid_request("phoneNumber is required."))?,
        )
        .map(|p| p.as_str().to_owned()),
        _ => Email::parse(
            &body
                .email
                .ok_or_else(|| ApiError::invalid_request("email is required."))?,
        )
        .map(|e| e.as_str().to_owned()),
    };
    parsed.map_err(ApiError::invalid_request)
}

/// Sends a code to a new address; the authenticator exists once the code is verified,
/// under the id answered here (the user's existing one for this method, if any).
async fn enroll(
    method: Method,
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    ApiJson(body): ApiJson<EnrollBody>,
) -> ApiResult {
    let authenticators = state.store.list_authenticators(caller.user_id()).await?;
    caller.may_add(&authenticators)?;
    let destination = address(method, body)?;
    let authenticator_id = authenticators
        .iter()
        .find(|a| a.verification_method == method.as_str())
        .map(|a| a.authenticator_id.clone())
        .unwrap_or_else(new_uuid);
    send(
        &state,
        &caller,
        PURPOSE_ENROLL,
        method,
        &destination,
        &authenticator_id,
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "userAuthenticatorId": authenticator_id, "userId": caller.user_id() }),
    ))
}

/// Sends a code to the user's enrolled address for this method.
async fn challenge(
    method: Method,
    State(state): State<AppState>,
    Bearer(caller): Bearer,
) -> ApiResult {
    let authenticators = state.store.list_authenticators(caller.user_id()).await?;
    let enrolled = authenticators
        .iter()
        .find(|a| a.verification_method == method.as_str())
        .ok_or_else(|| {
            ApiError::invalid_request(format!(
                "This user has no {} authenticator.",
                method.as_str()
            ))
        })?;
    let destination = enrolled
        .email
        .clone()
        .or_else(|| enrolled.phone_number.clone())
        .unwrap_or_default();
    send(
        &state,
        &caller,
        PURPOSE_CHALLENGE,
        method,
        &destination,
        &enrolled.authenticator_id,
    )
    .await?;
    Ok(json(StatusCode::OK, &json!({ "challengeId": new_uuid() })))
}

async fn send(
    state: &AppState,
    caller: &TokenCaller,
    purpose: &str,
    method: Method,
    destination: &str,
    authenticator_id: &str,
) -> Result<(), ApiError> {
    let request = CodeRequest {
        action: &caller.key(),
        purpose,
        method,
        destination,
        authenticator_id: Some(authenticator_id),
    };
    sent_codes::issue(&state.store, &request, caller.now).await?;
    Ok(())
}

/// Checks the code sent last for this method: an enrollment's code stores the
/// authenticator, a challenge's marks it used; either way the action succeeds.
async fn verify(
    method: Method,
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    ApiJson(body): ApiJson<VerifyBody>,
) -> ApiResult {
    let submitted = body.code()?;
    let store = &state.store;
    let issued = store
        .latest_code_for_method(&caller.key(), method.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::invalid_request(
                "No code was sent with this token: call enroll or challenge first.",
            )
        })?;
    match sent_codes::check_guess(store, &issued, &submitted, caller.now_ms()).await? {
        CodeCheck::Accepted => {}
        refused => {
            let reason = if refused == CodeCheck::TooManyAttempts {
                MAX_ATTEMPTS_EXCEEDED
            } else {
                CODE_INVALID_OR_EXPIRED
            };
            return Ok(json(
                StatusCode::OK,
                &VerifyResponse {
                    failure_reason: Some(reason),
                    ..VerifyResponse::default()
                },
            ));
        }
    }
    let mut user_authenticator = None;
    if issued.purpose == PURPOSE_ENROLL {
        let (email, phone_number) = match method {
            Method::Sms => (None, Some(issued.destination.clone())),
            _ => (Some(issued.destination.clone()), None),
        };
        let new = NewAuthenticator {
            authenticator_id: issued.authenticator_id.clone(),
            user_id: caller.user_id().to_owned(),
            verification_method: method.as_str().to_owned(),
            email,
            phone_number,
            ..NewAuthenticator::default()
        };
        let row = store.enroll_authenticator(&new, caller.now_ms()).await?;
        user_authenticator = Some(AuthenticatorJson::from(&row));
    } else if let Some(id) = &issued.authenticator_id {
        store.touch_authenticator(id, caller.now_ms()).await?;
    }
    store
        .mark_verified_in_ui(&caller.key(), method.as_str(), caller.now_ms())
        .await?;
    Ok(json(
        StatusCode::OK,
        &VerifyResponse {
            is_verified: true,
            access_token: Some(caller.fresh_token(&state)),
            failure_reason: None,
            user_authenticator,
        },
    ))
}
