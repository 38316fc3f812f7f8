//! The Server API's request and response bodies (camelCase, nulls omitted), shaped like
//! Authsignal's.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::Method;
use crate::store::{default_method, AuthenticatorRow, UserRow};

/// What a user has enrolled, as getUser and track report it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Enrollment {
    pub is_enrolled: bool,
    pub enrolled_verification_methods: Vec<String>,
    pub allowed_verification_methods: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_verification_method: Option<String>,
}

impl Enrollment {
    pub(crate) fn of(user: Option<&UserRow>, authenticators: &[AuthenticatorRow]) -> Self {
        let mut enrolled: Vec<String> = Vec::new();
        for a in authenticators {
            if !enrolled.contains(&a.verification_method) {
                enrolled.push(a.verification_method.clone());
            }
        }
        Self {
            is_enrolled: !enrolled.is_empty(),
            default_verification_method: default_method(user, authenticators),
            enrolled_verification_methods: enrolled,
            allowed_verification_methods: Method::UI_ENROLLABLE
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect(),
        }
    }
}

/// Update user's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserJson {
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Always present (false until set), as the Node SDK's live tests read it back.
    pub email_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

impl From<&UserRow> for UserJson {
    fn from(user: &UserRow) -> Self {
        Self {
            user_id: user.user_id.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified.unwrap_or(false),
            phone_number: user.phone_number.clone(),
            phone_number_verified: user.phone_number_verified.unwrap_or(false),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            custom: parse_custom(user.custom.as_deref()),
        }
    }
}

pub(crate) fn parse_custom(stored: Option<&str>) -> Option<Value> {
    stored.and_then(|text| serde_json::from_str(text).ok())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateUserBody {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub phone_number: Option<String>,
    pub phone_number_verified: Option<bool>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub custom: Option<Value>,
    pub locale: Option<String>,
    pub default_verification_method: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrollBody {
    pub verification_method: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    /// `AUTHENTICATOR_APP`: the `otpauth://totp/…` URI the user's app already holds.
    pub otp_uri: Option<String>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TrackBody {
    pub redirect_url: Option<String>,
    pub redirect_to_settings: Option<bool>,
    pub scope: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub username: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub device_id: Option<String>,
    pub custom: Option<Value>,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TrackResponse {
    pub state: String,
    pub idempotency_key: String,
    pub url: String,
    pub token: String,
    #[serde(flatten)]
    pub enrollment: Enrollment,
    pub rule_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActionJson {
    pub state: String,
    pub created_at: String,
    pub state_updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
    pub rule_ids: Vec<String>,
    pub rules: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateActionBody {
    pub state: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ValidateBody {
    pub token: Option<String>,
    pub user_id: Option<String>,
    pub action: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ValidateResponse {
    pub is_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Deprecated twin of `action` that the Node, Java and .NET SDKs still read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
