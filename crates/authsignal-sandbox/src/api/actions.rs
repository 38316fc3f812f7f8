//! Track (`POST /users/{userId}/actions/{action}`), get and update an action.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use time::OffsetDateTime;

use super::bodies::{ActionJson, Enrollment, TrackBody, TrackResponse, UpdateActionBody};
use crate::clock::{iso8601, to_millis};
use crate::domain::{is_valid_action_code, ACTION_STATES, DEFAULT_SCOPE};
use crate::ids::new_uuid;
use crate::state::AppState;
use crate::store::{ActionKey, ActionRow, UserPatch};
use crate::token::{Claims, TokenKind, ACTION_TOKEN_LIFETIME};
use crate::wire::{json, ApiError, ApiJson, ApiPath, ApiResult};

pub(crate) async fn track(
    State(state): State<AppState>,
    ApiPath((user_id, action_code)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<TrackBody>,
) -> ApiResult {
    if !is_valid_action_code(&action_code) {
        return Err(ApiError::invalid_request(
            "The action code must match ^[a-zA-Z0-9_-]{1,64}$.",
        ));
    }
    if let Some(redirect_url) = &body.redirect_url {
        check_redirect_url(redirect_url)?;
    }
    let key = ActionKey {
        user_id: user_id.clone(),
        action_code: action_code.clone(),
        idempotency_key: idempotency_key(body.idempotency_key.clone())?,
    };
    let now = state.clock.now_for(&user_id);
    record_user(&state, &user_id, body.username.clone(), now).await?;

    // The same idempotency key gives back the action it first created.
    if let Some(existing) = state.store.find_action(&key).await? {
        return track_response(&state, &existing).await;
    }
    let is_enrolled = !state.store.list_authenticators(&user_id).await?.is_empty();
    let row = new_action(&state, &key, body, now, is_enrolled);
    if !state.store.insert_action(&row).await? {
        // A concurrent track with the same key got there first: answer as it did.
        let winner = state
            .store
            .find_action(&key)
            .await?
            .ok_or_else(|| ApiError::not_found("Action not found."))?;
        return track_response(&state, &winner).await;
    }
    track_response(&state, &row).await
}

/// The key track was given (1 to 256 characters), or a new one.
fn idempotency_key(given: Option<String>) -> Result<String, ApiError> {
    match given {
        Some(key) if key.is_empty() || key.len() > 256 => Err(ApiError::invalid_request(
            "idempotencyKey must be 1 to 256 characters.",
        )),
        Some(key) => Ok(key),
        None => Ok(new_uuid()),
    }
}

/// Creates the user if new, and records the username track was given, if any.
async fn record_user(
    state: &AppState,
    user_id: &str,
    username: Option<String>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    state.store.ensure_user(user_id, to_millis(now)).await?;
    if let Some(username) = username.filter(|u| !u.is_empty()) {
        let patch = UserPatch {
            username: Some(username),
            ..UserPatch::default()
        };
        state
            .store
            .update_user(user_id, &patch, to_millis(now))
            .await?;
    }
    Ok(())
}

/// The action track creates for `key`: its state by the action code's rule, and its token.
fn new_action(
    state: &AppState,
    key: &ActionKey,
    body: TrackBody,
    now: OffsetDateTime,
    is_enrolled: bool,
) -> ActionRow {
    let scope = body
        .scope
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SCOPE.to_owned());
    let claims = Claims {
        sub: key.user_id.clone(),
        action_code: key.action_code.clone(),
        idempotency_key: key.idempotency_key.clone(),
        scope: scope.clone(),
        kind: TokenKind::Action,
        iat: now.unix_timestamp(),
        exp: (now + ACTION_TOKEN_LIFETIME).unix_timestamp(),
        popup: false,
    };
    ActionRow {
        user_id: key.user_id.clone(),
        action_code: key.action_code.clone(),
        idempotency_key: key.idempotency_key.clone(),
        state: state
            .outcomes
            .rule_for(&key.action_code)
            .state(is_enrolled)
            .to_owned(),
        verification_method: None,
        redirect_url: body.redirect_url,
        redirect_to_settings: body.redirect_to_settings.unwrap_or(false),
        scope,
        email: body.email,
        phone_number: body.phone_number,
        ip_address: body.ip_address,
        user_agent: body.user_agent,
        device_id: body.device_id,
        custom: body.custom.map(|c| c.to_string()),
        token: state.signer.sign(&claims),
        created_at: to_millis(now),
        state_updated_at: to_millis(now),
        ui_verified_at: None,
    }
}

/// Only absolute http(s) URLs: the pre-built UI redirects the browser there.
fn check_redirect_url(raw: &str) -> Result<(), ApiError> {
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(()),
        _ => Err(ApiError::invalid_request(
            "redirectUrl must be an absolute http or https URL.",
        )),
    }
}

async fn track_response(state: &AppState, action: &ActionRow) -> ApiResult {
    let user = state.store.find_user(&action.user_id).await?;
    let authenticators = state.store.list_authenticators(&action.user_id).await?;
    let body = TrackResponse {
        state: action.state.clone(),
        idempotency_key: action.idempotency_key.clone(),
        url: format!("{}/ui?token={}", state.config.public_url, action.token),
        token: action.token.clone(),
        enrollment: Enrollment::of(user.as_ref(), &authenticators),
        rule_ids: Vec::new(),
    };
    Ok(json(StatusCode::OK, &body))
}

fn action_json(action: &ActionRow) -> ActionJson {
    ActionJson {
        state: action.state.clone(),
        created_at: iso8601(action.created_at),
        state_updated_at: iso8601(action.state_updated_at),
        verification_method: action.verification_method.clone(),
        rule_ids: Vec::new(),
        rules: Vec::new(),
    }
}

pub(crate) async fn get_action(
    State(state): State<AppState>,
    ApiPath((user_id, action_code, idempotency_key)): ApiPath<(String, String, String)>,
) -> ApiResult {
    let key = ActionKey {
        user_id,
        action_code,
        idempotency_key,
    };
    let action = state
        .store
        .find_action(&key)
        .await?
        .ok_or_else(|| ApiError::not_found("Action not found."))?;
    Ok(json(StatusCode::OK, &action_json(&action)))
}

pub(crate) async fn update_action(
    State(state): State<AppState>,
    ApiPath((user_id, action_code, idempotency_key)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<UpdateActionBody>,
) -> ApiResult {
    let Some(new_state) = body.state else {
        return Err(ApiError::invalid_request("state is required."));
    };
    if !ACTION_STATES.contains(&new_state.as_str()) {
        return Err(ApiError::invalid_request(format!(
            "{new_state} is not an action state."
        )));
    }
    let now = to_millis(state.clock.now_for(&user_id));
    let key = ActionKey {
        user_id,
        action_code,
        idempotency_key,
    };
    let action = state
        .store
        .set_action_state(&key, &new_state, now)
        .await?
        .ok_or_else(|| ApiError::not_found("Action not found."))?;
    // `{state}`, as the SDKs read it (AUTHSIGNAL_API.md §8).
    Ok(json(StatusCode::OK, &json!({ "state": action.state })))
}
