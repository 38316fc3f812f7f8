//! Passkeys with Authsignal's Web SDK: added in place on the account pages, and used to sign
//! in. The page scripts (`public/passkey-add.js`, `public/passkey-sign-in.js`) call these.

use leptos::prelude::*;

use crate::model::passkeys::{AddPasskeyView, PasskeyCeremony, WebSdkConfig};
use crate::model::AppError;

/// What the add-a-passkey page can do now (for its first render).
#[server(endpoint = "add_passkey_step")]
pub async fn add_passkey_step() -> Result<AddPasskeyView, AppError> {
    crate::server::authsignal::passkeys::add_step().await
}

/// Tracks `addPasskey` (with `add:authenticators` only after a challenge in the last 10
/// minutes; no scope for a first authenticator) and hands the page the ceremony's token.
#[server(endpoint = "start_passkey_enrollment")]
pub async fn start_passkey_enrollment() -> Result<PasskeyCeremony, AppError> {
    crate::server::authsignal::passkeys::start_enrollment().await
}

/// Validates the token the ceremony returned (this customer, this action) and answers where
/// the page goes next.
#[server(endpoint = "finish_passkey_enrollment")]
pub async fn finish_passkey_enrollment(token: String) -> Result<String, AppError> {
    crate::server::authsignal::passkeys::finish_enrollment(token).await
}

/// Signs in the customer whose passkey the Web SDK's `passkey.signIn` verified: the passkey is
/// both factors. Answers where to go.
#[server(endpoint = "finish_passkey_sign_in")]
pub async fn finish_passkey_sign_in(token: String, next: String) -> Result<String, AppError> {
    crate::server::authsignal::passkeys::finish_sign_in(token, next).await
}

/// The Web SDK's settings for the sign-in page, or `None` when passkeys in place are off.
#[server(endpoint = "passkey_sign_in_config")]
pub async fn passkey_sign_in_config() -> Result<Option<WebSdkConfig>, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    Ok(state
        .settings
        .tenant_id
        .clone()
        .map(|tenant_id| WebSdkConfig {
            tenant_id,
            base_url: crate::server::authsignal::client::api_base_url(&state.settings),
        }))
}
