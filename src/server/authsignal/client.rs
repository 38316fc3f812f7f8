//! Builds the one Authsignal client the server shares, from the configured mode.

use std::time::Duration;

use crate::server::config::{AuthsignalMode, Settings};

/// The sandbox's API under the storefront's own origin, or the real tenant's base URL.
pub fn api_base_url(settings: &Settings) -> String {
    match &settings.authsignal {
        AuthsignalMode::EmbeddedSandbox { .. } => format!("{}/sandbox/v1", settings.origin()),
        AuthsignalMode::Tenant { api_url, .. } => {
            api_url.as_str().trim_end_matches('/').to_string()
        }
    }
}

pub fn build(settings: &Settings) -> Result<authsignal::Client, authsignal::Error> {
    let secret = match &settings.authsignal {
        AuthsignalMode::EmbeddedSandbox { secret_key, .. }
        | AuthsignalMode::Tenant { secret_key, .. } => secret_key.clone(),
    };
    authsignal::Client::builder(secret)
        .base_url(api_base_url(settings))
        .connect_timeout(Duration::from_millis(1_000).min(settings.authsignal_timeout))
        .request_timeout(settings.authsignal_timeout)
        .build()
}
