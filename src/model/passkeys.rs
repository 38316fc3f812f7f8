//! Adding a passkey in place and signing in with one: what the server functions hand the
//! page's script. The token is the short-lived track token the Web SDK needs, nothing more.

use serde::{Deserialize, Serialize};

use super::security::SecurityNotice;

/// The add-a-passkey page: what it can do, and the outcome of what the customer just did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddPasskeyView {
    pub step: AddPasskeyStep,
    pub notice: Option<SecurityNotice>,
}

/// What the add-a-passkey page can do right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddPasskeyStep {
    /// Authsignal's Web SDK is not configured (no tenant id): the Manage flow adds passkeys.
    Unavailable,
    /// The customer has authenticators and no challenge in the last 10 minutes.
    VerifyFirst,
    /// Ready for the ceremony.
    Ready,
}

/// Everything `authsignal.passkey.signUp` needs, for one ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub tenant_id: String,
    pub base_url: String,
}

/// Where the Web SDK talks to Authsignal: the tenant id (not a secret) and the API's base URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSdkConfig {
    pub tenant_id: String,
    pub base_url: String,
}
