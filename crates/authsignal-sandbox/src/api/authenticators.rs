//! `GET / POST /users/{userId}/authenticators`, `DELETE …/{userAuthenticatorId}`.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::bodies::EnrollBody;
use crate::clock::to_millis;
use crate::domain::{Email, Method, PhoneNumber};
use crate::state::AppState;
use crate::store::NewAuthenticator;
use crate::totp;
use crate::wire::{json, ApiError, ApiJson, ApiPath, ApiResult, AuthenticatorJson};

pub(crate) async fn list(
    State(state): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
) -> ApiResult {
    let rows = state.store.list_authenticators(&user_id).await?;
    let body: Vec<AuthenticatorJson> = rows.iter().map(AuthenticatorJson::from).collect();
    Ok(json(StatusCode::OK, &body))
}

/// Enrolls an email, phone number or authenticator app the app has already verified itself.
pub(crate) async fn enroll(
    State(state): State<AppState>,
    ApiPath(user_id): ApiPath<String>,
    ApiJson(body): ApiJson<EnrollBody>,
) -> ApiResult {
    let new = verified_authenticator(&user_id, body)?;
    let now = to_millis(state.clock.now_for(&user_id));
    let row = state.store.enroll_authenticator(&new, now).await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "authenticator": AuthenticatorJson::from(&row) }),
    ))
}

fn verified_authenticator(user_id: &str, body: EnrollBody) -> Result<NewAuthenticator, ApiError> {
    let Some(raw_method) = body.verification_method else {
        return Err(ApiError::invalid_request("verificationMethod is required."));
    };
    let mut new = NewAuthenticator {
        user_id: user_id.to_owned(),
        verification_method: raw_method.clone(),
        make_default: body.is_default,
        ..NewAuthenticator::default()
    };
    match Method::parse(&raw_method) {
        Some(Method::EmailOtp | Method::EmailMagicLink) => {
            let email = body.email.ok_or_else(|| {
                ApiError::invalid_request(format!("email is required for {raw_method}."))
            })?;
            new.email = Some(
                Email::parse(&email)
                    .map_err(ApiError::invalid_request)?
                    .as_str()
                    .to_owned(),
            );
        }
        Some(Method::Sms) => {
            let phone = body
                .phone_number
                .ok_or_else(|| ApiError::invalid_request("phoneNumber is required for SMS."))?;
            new.phone_number = Some(
                PhoneNumber::parse(&phone)
                    .map_err(ApiError::invalid_request)?
                    .as_str()
                    .to_owned(),
            );
        }
        Some(Method::AuthenticatorApp) => {
            let uri = body.otp_uri.ok_or_else(|| {
                ApiError::invalid_request("otpUri is required for AUTHENTICATOR_APP.")
            })?;
            new.totp_secret = Some(totp::secret_from_uri(&uri).map_err(ApiError::invalid_request)?);
        }
        Some(Method::Passkey) | None => {
            return Err(ApiError::invalid_request(format!(
                "{raw_method} cannot be enrolled as a verified authenticator; use EMAIL_OTP, EMAIL_MAGIC_LINK, SMS or AUTHENTICATOR_APP."
            )));
        }
    }
    Ok(new)
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    ApiPath((user_id, authenticator_id)): ApiPath<(String, String)>,
) -> ApiResult {
    let now = to_millis(state.clock.now_for(&user_id));
    if !state
        .store
        .delete_authenticator(&user_id, &authenticator_id, now)
        .await?
    {
        return Err(ApiError::not_found("Authenticator not found."));
    }
    Ok(json(StatusCode::OK, &json!({ "success": true })))
}
