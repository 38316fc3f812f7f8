//! Bodies of `POST /users/{userId}/actions/{action}` (track) and
//! `GET`/`PATCH /users/{userId}/actions/{action}/{idempotencyKey}`.

use serde::{Deserialize, Serialize};

use super::{ActionState, ChallengeToken, CustomData, VerificationMethod};

/// Values for [`TrackRequest::scope`], a space-separated list.
pub mod scopes {
    /// The default: the token may list the user's authenticators.
    pub const READ_AUTHENTICATORS: &str = "read:authenticators";
    /// Enroll a new method without first completing a challenge.
    pub const ADD_AUTHENTICATORS: &str = "add:authenticators";
    /// Edit methods without first completing a challenge.
    pub const UPDATE_AUTHENTICATORS: &str = "update:authenticators";
    /// Remove methods without first completing a challenge.
    pub const REMOVE_AUTHENTICATORS: &str = "remove:authenticators";
    /// Add, update and remove without a challenge. Grant it only when your app has already
    /// strongly authenticated the user; pair it with `redirect_to_settings: Some(true)`.
    pub const MANAGE_WITHOUT_CHALLENGE: &str =
        "add:authenticators update:authenticators remove:authenticators";
}

/// Body of `POST /users/{userId}/actions/{action}` (track). Sent flat; only `Some` fields go
/// on the wire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrackRequest {
    /// Where the pre-built UI sends the user back, with `?token=` appended (redirect mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Land on the authenticator settings screen after the challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_to_settings: Option<bool>,
    /// Space-separated scopes, see [`scopes`]. Default `read:authenticators`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Prefills the email so enrollment can skip asking for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Prefills the phone number (E.164) so enrollment can skip asking for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The user's username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The end user's IP address, for rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The end user's `User-Agent`, for rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The Web SDK's `__as_aid` cookie value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Custom data for rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<CustomData>,
    /// Your own idempotency key; Authsignal generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Links the action to an existing challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// The pre-built UI's language, e.g. `en-NZ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Sent as `customDomain`; its meaning is unconfirmed in Authsignal's docs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
}

/// Response of `POST /users/{userId}/actions/{action}` (track).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    /// The outcome of the rules (`ALLOW` when nothing is enrolled yet).
    pub state: ActionState,
    /// Identifies this action for `GET`/`PATCH .../actions/{action}/{idempotencyKey}`.
    #[serde(default)]
    pub idempotency_key: String,
    /// The pre-built UI URL. Opaque: it already has a query string. Also read from the
    /// pre-2023 name `challengeUrl`.
    #[serde(default, alias = "challengeUrl")]
    pub url: String,
    /// Short-lived (10 min) token for the client SDKs.
    #[serde(default)]
    pub token: ChallengeToken,
    /// At least one method is enrolled.
    #[serde(default)]
    pub is_enrolled: bool,
    /// The methods the user has enrolled.
    #[serde(default)]
    pub enrolled_verification_methods: Vec<VerificationMethod>,
    /// The methods the user may enroll.
    #[serde(default)]
    pub allowed_verification_methods: Vec<VerificationMethod>,
    /// The method offered first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_verification_method: Option<VerificationMethod>,
    /// The rules that matched.
    #[serde(default)]
    pub rule_ids: Vec<String>,
}

/// A rule that matched an action, in [`GetActionResponse::rules`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rule {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's name.
    pub name: String,
    /// The rule's description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Response of `GET /users/{userId}/actions/{action}/{idempotencyKey}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetActionResponse {
    /// The action's current state.
    pub state: ActionState,
    /// When the action was tracked (ISO-8601).
    #[serde(default)]
    pub created_at: String,
    /// When the state last changed (ISO-8601).
    #[serde(default)]
    pub state_updated_at: String,
    /// The method used to complete the challenge, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    /// The rules that matched.
    #[serde(default)]
    pub rule_ids: Vec<String>,
    /// The rule that decided the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_rule_id: Option<String>,
    /// Details of the rules that matched.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Free-form output of the rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<serde_json::Value>,
}

/// Body of `PATCH /users/{userId}/actions/{action}/{idempotencyKey}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActionRequest {
    /// The state to set, e.g. `REVIEW_SUCCEEDED` after a manual review.
    pub state: ActionState,
}

/// Response of `PATCH /users/{userId}/actions/{action}/{idempotencyKey}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActionResponse {
    /// The action's state after the update.
    pub state: ActionState,
    /// When the action was tracked (ISO-8601); the docs list it, the Node SDK reads only `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the state last changed (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_updated_at: Option<String>,
    /// The method used to complete the challenge, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
}
