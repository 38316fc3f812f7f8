//! `POST /validate`: is this token proof that the user completed the action?

use axum::extract::State;
use axum::http::StatusCode;

use super::bodies::{ValidateBody, ValidateResponse};
use crate::clock::iso8601;
use crate::domain::CHALLENGE_SUCCEEDED;
use crate::state::AppState;
use crate::store::ActionKey;
use crate::token::TokenKind;
use crate::wire::{json, ApiError, ApiJson, ApiResult};

pub(crate) async fn validate(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ValidateBody>,
) -> ApiResult {
    let Some(token) = body.token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::invalid_request("token is required."));
    };
    let invalid = |error: &str| {
        Ok(json(
            StatusCode::OK,
            &ValidateResponse {
                error: Some(error.to_owned()),
                ..Default::default()
            },
        ))
    };

    // Only tokens this sandbox signed for the app count; the UI's own session tokens don't.
    let claims = match state.signer.verify(&token) {
        Ok(claims) if claims.kind == TokenKind::Action => claims,
        _ => return invalid("Token is invalid."),
    };
    if body
        .user_id
        .as_ref()
        .is_some_and(|user_id| *user_id != claims.sub)
    {
        return invalid("User is invalid.");
    }
    if body
        .action
        .as_ref()
        .is_some_and(|action| *action != claims.action_code)
    {
        return invalid("Action is invalid.");
    }
    if claims.is_expired(state.clock.now_for(&claims.sub)) {
        return invalid("Token has expired.");
    }
    let key = ActionKey {
        user_id: claims.sub,
        action_code: claims.action_code,
        idempotency_key: claims.idempotency_key,
    };
    let Some(action) = state.store.find_action(&key).await? else {
        // The user (and so the action) was deleted after the token was issued.
        return invalid("Action not found.");
    };
    // "True if the challenge was completed successfully" (Authsignal's docs): a reviewed
    // (REVIEW_SUCCEEDED) or allowed action says so in `state`, with isValid false.
    let is_valid = action.state == CHALLENGE_SUCCEEDED;
    Ok(json(
        StatusCode::OK,
        &ValidateResponse {
            is_valid,
            state: Some(action.state),
            state_updated_at: Some(iso8601(action.state_updated_at)),
            user_id: Some(action.user_id),
            action: Some(action.action_code.clone()),
            action_code: Some(action.action_code),
            idempotency_key: Some(action.idempotency_key),
            verification_method: action.verification_method,
            error: (!is_valid)
                .then(|| "The action has not been completed successfully.".to_owned()),
        },
    ))
}
