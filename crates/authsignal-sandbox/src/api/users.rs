//! `GET / PATCH / DELETE /users/{userId}`.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::bodies::{parse_custom, Enrollment, UpdateUserBody, UserJson};
use crate::clock::to_millis;
use crate::domain::{Email, Method};
use crate::state::AppState;
use crate::store::UserPatch;
use crate::wire::{json, ApiError, ApiJson, ApiPath, ApiResult};

pub(crate) async fn get_user(
    State(state): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult {
    let Some(user) = state.store.find_user(&user_id).await? else {
        // Unknown and deleted users read as "not enrolled", not as an error (as Authsignal).
        return Ok(json(StatusCode::OK, &json!({ "isEnrolled": false })));
    };
    let authenticators = state.store.list_authenticators(&user_id).await?;
    let enrollment = Enrollment::of(Some(&user), &authenticators);
    let mut body = serde_json::to_value(&enrollment).unwrap_or_else(|_| json!({}));
    let extra = json!({
        "email": user.email,
        // Booleans, false until set (the Node SDK types them as required).
        "emailVerified": user.email_verified.unwrap_or(false),
        "phoneNumber": user.phone_number,
        "phoneNumberVerified": user.phone_number_verified.unwrap_or(false),
        "username": user.username,
        "displayName": user.display_name,
        "locale": user.locale,
        "custom": parse_custom(user.custom.as_deref()),
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(
            extra
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    Ok(json(StatusCode::OK, &body))
}

pub(crate) async fn update_user(
    State(state): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> ApiResult {
    let patch = user_patch(body)?;
    let now = to_millis(state.clock.now_for(&user_id));
    let user = state.store.update_user(&user_id, &patch, now).await?;
    Ok(json(StatusCode::OK, &UserJson::from(&user)))
}

fn user_patch(body: UpdateUserBody) -> Result<UserPatch, ApiError> {
    let email = body
        .email
        .map(|e| Email::parse(&e).map(|e| e.as_str().to_owned()))
        .transpose()
        .map_err(ApiError::invalid_request)?;
    let custom = match body.custom {
        None => None,
        Some(value) if value.is_object() => Some(value.to_string()),
        Some(_) => return Err(ApiError::invalid_request("custom must be an object.")),
    };
    if let Some(method) = &body.default_verification_method {
        if Method::parse(method).is_none() {
            return Err(ApiError::invalid_request(format!(
                "{method} is not a verification method the sandbox supports."
            )));
        }
    }
    Ok(UserPatch {
        email,
        email_verified: body.email_verified,
        // Stored as given (the Python SDK's live test reads "9876543210" back); only
        // enrolling SMS needs E.164.
        phone_number: body.phone_number,
        phone_number_verified: body.phone_number_verified,
        username: body.username,
        display_name: body.display_name,
        locale: body.locale,
        custom,
        default_verification_method: body.default_verification_method,
    })
}

pub(crate) async fn delete_user(
    State(state): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult {
    state.store.delete_user(&user_id).await?;
    Ok(json(StatusCode::OK, &json!({ "success": true })))
}
