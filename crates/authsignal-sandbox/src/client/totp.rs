//! Authenticator apps through the Client API: enroll (a new secret and its otpauth URI),
//! then verify a code, which completes the enrollment or answers a challenge.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::auth::Bearer;
use super::VerifyBody;
use super::{VerifyResponse, CODE_INVALID_OR_EXPIRED, MAX_ATTEMPTS_EXCEEDED};
use crate::domain::Method;
use crate::ids::uuid_shaped;
use crate::otp::MAX_FAILED_ATTEMPTS;
use crate::state::AppState;
use crate::store::{AuthenticatorRow, NewAuthenticator};
use crate::totp;
use crate::wire::{json, ApiError, ApiJson, ApiResult, AuthenticatorJson};

/// The id a pending authenticator app gets: the user's existing one, else one derived from
/// the secret, so enroll and verify agree without storing it twice.
fn authenticator_id(user_id: &str, secret: &str, authenticators: &[AuthenticatorRow]) -> String {
    authenticators
        .iter()
        .find(|a| a.verification_method == Method::AuthenticatorApp.as_str())
        .map(|a| a.authenticator_id.clone())
        .unwrap_or_else(|| {
            let digest = Sha256::digest(format!("authsignal-sandbox/totp/{user_id}/{secret}"));
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            uuid_shaped(bytes)
        })
}

/// `POST /client/user-authenticators/totp`.
pub(crate) async fn enroll(State(state): State<AppState>, Bearer(caller): Bearer) -> ApiResult {
    let store = &state.store;
    let authenticators = store.list_authenticators(caller.user_id()).await?;
    caller.may_add(&authenticators)?;
    let pending = store
        .get_or_create_pending_totp(&caller.key(), &totp::generate_secret(), caller.now_ms())
        .await?;
    let user = store.find_user(caller.user_id()).await?;
    let account = user
        .and_then(|u| u.email)
        .unwrap_or_else(|| caller.user_id().to_owned());
    Ok(json(
        StatusCode::OK,
        &json!({
            "userAuthenticatorId": authenticator_id(caller.user_id(), &pending.secret, &authenticators),
            "userId": caller.user_id(),
            "uri": totp::otpauth_uri(&pending.secret, totp::ISSUER, &account),
            "secret": pending.secret,
        }),
    ))
}

fn refused(reason: &'static str) -> ApiResult {
    Ok(json(
        StatusCode::OK,
        &VerifyResponse {
            failure_reason: Some(reason),
            ..VerifyResponse::default()
        },
    ))
}

/// `POST /client/verify/totp`: completes a pending enrollment, else answers a challenge
/// with the user's authenticator app. Either way each time step works once and an action
/// takes 5 failed answers: the attempt is spent before the code is checked, so parallel
/// guesses get no more than 5 checks, and the fifth failure already answers
/// `MAX_ATTEMPTS_EXCEEDED` (as an emailed code's does).
pub(crate) async fn verify(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    ApiJson(body): ApiJson<VerifyBody>,
) -> ApiResult {
    let submitted = body.code()?;
    let store = &state.store;
    let key = caller.key();
    let method = Method::AuthenticatorApp.as_str();
    let now = caller.now.unix_timestamp();
    // The pending secret first: it and the authenticator change in one transaction, so a
    // pending secret gone means the authenticator is listed.
    let pending = store.pending_totp(&key).await?;
    let authenticators = store.list_authenticators(caller.user_id()).await?;
    let app = authenticators
        .iter()
        .find(|a| a.verification_method == method);
    if pending.is_none() && app.is_none() {
        return Err(ApiError::invalid_request(
            "This user has no authenticator app: call enroll first.",
        ));
    }
    let Some(spent) = store
        .spend_challenge_attempt(&key, method, MAX_FAILED_ATTEMPTS)
        .await?
    else {
        return refused(MAX_ATTEMPTS_EXCEEDED);
    };
    let wrong = || {
        refused(if spent >= MAX_FAILED_ATTEMPTS {
            MAX_ATTEMPTS_EXCEEDED
        } else {
            CODE_INVALID_OR_EXPIRED
        })
    };
    let mut user_authenticator = None;
    if let Some(pending) = pending {
        let Some(step) = totp::accepted_step(&pending.secret, &submitted, now, None) else {
            return wrong();
        };
        let new = NewAuthenticator {
            authenticator_id: Some(authenticator_id(
                caller.user_id(),
                &pending.secret,
                &authenticators,
            )),
            user_id: caller.user_id().to_owned(),
            verification_method: method.to_owned(),
            totp_secret: Some(pending.secret),
            // The code used to enroll can't be used again for a challenge.
            last_totp_step: Some(step),
            ..NewAuthenticator::default()
        };
        // Of parallel right answers, one completes the enrollment.
        let Some(row) = store
            .enroll_pending_totp(&key, &new, caller.now_ms())
            .await?
        else {
            return refused(CODE_INVALID_OR_EXPIRED);
        };
        user_authenticator = Some(AuthenticatorJson::from(&row));
    } else if let Some(app) = app {
        let secret = app.totp_secret.as_deref().unwrap_or_default();
        let claimed = match totp::accepted_step(secret, &submitted, now, app.last_totp_step) {
            Some(step) => store.claim_totp_step(&app.authenticator_id, step).await?,
            None => false,
        };
        if !claimed {
            return wrong();
        }
        store
            .touch_authenticator(&app.authenticator_id, caller.now_ms())
            .await?;
    }
    store.clear_challenge_attempts(&key, method).await?;
    store
        .mark_verified_in_ui(&key, method, caller.now_ms())
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
