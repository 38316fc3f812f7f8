//! What the account page's security section shows: view types, in words, holding nothing
//! secret (they are serialised into the page).

use serde::{Deserialize, Serialize};

/// Everything the security section shows, loaded in one server call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecurityOverview {
    pub status: SecurityStatus,
    /// The outcome of the last thing the customer did (a return from Authsignal, a removal).
    pub notice: Option<SecurityNotice>,
    pub activity: Vec<ActivityEntry>,
    /// A challenge was completed in the last 10 minutes, so removal needs no new one.
    pub recently_verified: bool,
    /// The pre-built UI opens in a dialog over the page (with JavaScript) instead of a redirect.
    pub popup: bool,
    /// Passkeys can be added in place with the Web SDK (a tenant id is configured).
    pub add_passkey: bool,
    /// The methods the customer may add on our own pages (Client API): an authenticator app
    /// until they have one; email and text-message codes always (another address or number).
    pub add_in_place: Vec<crate::model::custom_ui::NewMethod>,
    /// Signed in with a password, no passkey yet, and the offer not dismissed: offer one.
    pub offer_passkey: bool,
    /// The customer's signed-in sessions, this one first.
    pub devices: Vec<DeviceView>,
}

/// What Authsignal said, or that it could not be asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SecurityStatus {
    Ready {
        enrolled: bool,
        authenticators: Vec<AuthenticatorView>,
    },
    Unavailable,
}

/// One authenticator, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorView {
    pub id: String,
    /// "Email", "SMS", "Authenticator app", "Passkey", …
    pub method: String,
    /// What it is for: the email address, the phone number, the passkey's name.
    pub detail: Option<String>,
    /// A data-URI icon (passkey providers), when known.
    pub icon: Option<String>,
    pub added: String,
    pub last_used: Option<String>,
    pub is_default: bool,
}

impl AuthenticatorView {
    /// "Email (ada@example.com)" — used in labels and messages.
    pub fn describe(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{} ({detail})", self.method),
            None => self.method.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoticeTone {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityNotice {
    pub tone: NoticeTone,
    pub message: String,
}

/// One line of the security activity list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub when: String,
    pub what: String,
}

/// Which pre-built UI journey the primary button starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchIntent {
    /// Nothing enrolled yet: tracks `enroll`.
    Enroll,
    /// Enrolled: tracks `manage` (challenge, then the settings screen).
    Manage,
}

/// One signed-in session of the customer, in words (never its id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// Names the session in the sign-out form: a hash of its id.
    pub handle: String,
    /// "Chrome on macOS".
    pub browser: String,
    /// "203.0.113.x".
    pub network: String,
    pub signed_in: String,
    pub last_active: String,
    /// The session this page is being viewed in.
    pub current: bool,
}
