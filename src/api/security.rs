//! The account page's security section: what it shows and the actions behind its buttons.
//! Server functions take the user id from the session only, never from the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

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
}

/// What Authsignal said, or that it could not be asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SecurityStatus {
    Ready { enrolled: bool, authenticators: Vec<AuthenticatorView> },
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

/// Loads the section: Authsignal's `getUser` and `getAuthenticators` run concurrently.
#[server(endpoint = "load_security")]
pub async fn load_security() -> Result<SecurityOverview, AppError> {
    crate::server::security::flows::load_overview().await
}

/// Tracks `enroll` or `manage` and answers with the pre-built UI's URL to go to.
/// A plain form post (JavaScript off) gets a 303 to it instead.
#[server(endpoint = "launch_authenticator_settings")]
pub async fn launch_authenticator_settings(intent: LaunchIntent) -> Result<String, AppError> {
    crate::server::security::flows::launch(intent).await
}

/// Removes one authenticator (never the last one). Without a challenge in the last 10 minutes
/// it first sends the customer through one, coming back to the confirmation step. Answers with
/// where to go next.
#[server(endpoint = "remove_authenticator")]
pub async fn remove_authenticator(authenticator_id: String) -> Result<String, AppError> {
    crate::server::security::flows::remove(authenticator_id).await
}

/// Popup mode: completes the pre-built UI's return with the token it posted to the page,
/// exactly as the redirect return would. Answers where the page goes next.
#[server(endpoint = "complete_prebuilt_ui")]
pub async fn complete_prebuilt_ui(token: String) -> Result<String, AppError> {
    crate::server::security::round_trip::returns::complete_in_popup(token).await
}
