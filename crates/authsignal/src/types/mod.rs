//! Request and response bodies of the Authsignal Server API, in camelCase on the wire.
//!
//! Conventions shared by every type here:
//! - `None` fields are left out of the JSON rather than sent as `null`;
//! - optional and list fields missing from a response decode as `None` / empty;
//! - timestamps are kept as the ISO-8601 strings Authsignal sends;
//! - responses are also `Serialize` and requests also `Deserialize`, so a local stand-in
//!   server can reuse them.

mod action;
mod authenticator;
mod challenge;
mod enums;
mod token;
mod user;

pub use action::{
    scopes, GetActionResponse, Rule, TrackRequest, TrackResponse, UpdateActionRequest,
    UpdateActionResponse,
};
pub use authenticator::{
    AaguidMapping, EnrollVerifiedAuthenticatorRequest, EnrollVerifiedAuthenticatorResponse,
    ParsedUserAgent, UserAgentBrowser, UserAgentCpu, UserAgentDevice, UserAgentEngine, UserAgentOs,
    UserAuthenticator, WebauthnCredential,
};
pub use challenge::{ValidateChallengeRequest, ValidateChallengeResponse};
pub use enums::{ActionState, SmsChannel, VerificationMethod};
pub use token::ChallengeToken;
pub use user::{GetUserResponse, UpdateUserRequest, UpdateUserResponse};

/// The `custom` object: string, number and boolean values that rules can use.
pub type CustomData = serde_json::Map<String, serde_json::Value>;
