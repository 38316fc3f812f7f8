//! Bodies of `POST /validate`.

use serde::{Deserialize, Serialize};

use super::{ActionState, ChallengeToken, VerificationMethod};

/// Body of `POST /validate`.
///
/// Always set `user_id` and `action`, so Authsignal checks the token belongs to them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateChallengeRequest {
    /// The token from the redirect back (`?token=`) or from the Web SDK.
    pub token: ChallengeToken,
    /// The user the token must belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The action code the token must belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

impl ValidateChallengeRequest {
    /// A request that has Authsignal check `token` against `user_id` and `action`.
    pub fn for_user_action(
        token: impl Into<ChallengeToken>,
        user_id: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        ValidateChallengeRequest {
            token: token.into(),
            user_id: Some(user_id.into()),
            action: Some(action.into()),
        }
    }
}

/// Response of `POST /validate`.
///
/// A mismatching user or action, or a challenge still pending, is a `200` with
/// `is_valid: false`, not an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "ValidateChallengeWire")]
pub struct ValidateChallengeResponse {
    /// "True if the challenge was completed successfully" (Authsignal's docs): the token is
    /// genuine, unexpired, matches the given user and action, and the action is
    /// `CHALLENGE_SUCCEEDED`. Any other state, `REVIEW_SUCCEEDED` and `ALLOW` included, is
    /// `false` with that `state`; read `state` to act on a review. A response without
    /// `isValid` decodes as `false`, so a malformed answer fails closed.
    pub is_valid: bool,
    /// The action's state; accept only `CHALLENGE_SUCCEEDED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ActionState>,
    /// When the state last changed (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_updated_at: Option<String>,
    /// The user the token belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The action code the token belongs to (also read from the deprecated `actionCode`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The tracked action's idempotency key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The method the user completed the challenge with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<VerificationMethod>,
    /// The Veriff session, for `VERIFF` challenges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub veriff_session_id: Option<String>,
    /// Why the token is not valid, e.g. `User is invalid.`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ValidateChallengeResponse {
    /// The check to run on the redirect back: the token is valid, the challenge succeeded,
    /// and the token belongs to exactly this user and action.
    pub fn succeeded_for(&self, user_id: &str, action: &str) -> bool {
        self.is_valid
            && self.state == Some(ActionState::ChallengeSucceeded)
            && self.user_id.as_deref() == Some(user_id)
            && self.action.as_deref() == Some(action)
    }
}

/// The wire shape, which may carry `action` and the deprecated `actionCode` side by side;
/// a serde `alias` would reject that as a duplicate field.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidateChallengeWire {
    #[serde(default)]
    is_valid: bool,
    #[serde(default)]
    state: Option<ActionState>,
    #[serde(default)]
    state_updated_at: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    action_code: Option<String>,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    verification_method: Option<VerificationMethod>,
    #[serde(default)]
    veriff_session_id: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl From<ValidateChallengeWire> for ValidateChallengeResponse {
    fn from(wire: ValidateChallengeWire) -> Self {
        ValidateChallengeResponse {
            is_valid: wire.is_valid,
            state: wire.state,
            state_updated_at: wire.state_updated_at,
            user_id: wire.user_id,
            action: wire.action.or(wire.action_code),
            idempotency_key: wire.idempotency_key,
            verification_method: wire.verification_method,
            veriff_session_id: wire.veriff_session_id,
            error: wire.error,
        }
    }
}
