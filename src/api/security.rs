//! The security section's server functions. They take the user id from the session only,
//! never from the browser; what they return is in `crate::model::security`.

use leptos::prelude::*;

use crate::model::security::{LaunchIntent, SecurityOverview};
use crate::model::AppError;

/// Loads the section: Authsignal's `getUser` and `getAuthenticators` run concurrently.
#[server(endpoint = "load_security")]
pub async fn load_security() -> Result<SecurityOverview, AppError> {
    crate::server::authsignal::flows::load_overview().await
}

/// Tracks `enroll` or `manage` and answers with the pre-built UI's URL to go to.
/// A plain form post (JavaScript off) gets a 303 to it instead.
#[server(endpoint = "launch_authenticator_settings")]
pub async fn launch_authenticator_settings(intent: LaunchIntent) -> Result<String, AppError> {
    crate::server::authsignal::flows::launch(intent).await
}

/// Removes one authenticator (never the last one). Without a challenge in the last 10 minutes
/// it first sends the customer through one, coming back to the confirmation step. Answers with
/// where to go next.
#[server(endpoint = "remove_authenticator")]
pub async fn remove_authenticator(authenticator_id: String) -> Result<String, AppError> {
    crate::server::authsignal::flows::remove(authenticator_id).await
}

/// Popup mode: completes the pre-built UI's return with the token it posted to the page,
/// exactly as the redirect return would. Answers where the page goes next.
#[server(endpoint = "complete_prebuilt_ui")]
pub async fn complete_prebuilt_ui(token: String) -> Result<String, AppError> {
    crate::server::authsignal::round_trip::returns::complete_in_popup(token).await
}
