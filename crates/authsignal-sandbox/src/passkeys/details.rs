//! What the sandbox keeps about a passkey besides the key itself, and the
//! `webauthnCredential` object the API reports (AUTHSIGNAL_API.md §4).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{Credential, Passkey};

use super::aaguid::{mapping, AaguidMapping};
use super::user_agent::ParsedUserAgent;
use crate::ids::uuid_shaped;
use crate::store::{AuthenticatorRow, UserRow};

/// The name and display name a new passkey is made for: the user's email or username,
/// else the email track was given, else the user id.
pub(crate) fn account_names(
    user_id: &str,
    user: Option<&UserRow>,
    track_email: Option<&str>,
) -> (String, String) {
    let name = user
        .and_then(|u| u.email.clone().or_else(|| u.username.clone()))
        .or_else(|| track_email.map(str::to_owned))
        .unwrap_or_else(|| user_id.to_owned());
    let display = user
        .and_then(|u| u.display_name.clone())
        .unwrap_or_else(|| name.clone());
    (name, display)
}

/// Stored as JSON in `authenticators.passkey_details` when a passkey is registered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasskeyDetails {
    /// e.g. "Chrome on Windows".
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
    /// `platform` or `cross-platform`, as the browser reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// The app's device id from track (`__as_aid`), else one made up at registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parsed_user_agent: Option<ParsedUserAgent>,
}

/// `webauthnCredential` on the wire.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebauthnCredentialJson {
    pub credential_id: String,
    /// Always present (the Node SDK types it as required), even when track had none.
    pub device_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid_mapping: Option<AaguidMapping>,
    pub credential_backed_up: bool,
    /// `multiDevice` when the credential may be synced, else `singleDevice`.
    pub credential_device_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parsed_user_agent: Option<ParsedUserAgent>,
}

impl PasskeyDetails {
    /// The stored details of a passkey authenticator (None for other methods).
    pub(crate) fn of(row: &AuthenticatorRow) -> Option<PasskeyDetails> {
        serde_json::from_str(row.passkey_details.as_deref()?).ok()
    }
}

/// A passkey by its provider ("Google Password Manager"), else by its own name ("Chrome on
/// Windows"); None for other methods.
pub(crate) fn passkey_name(row: &AuthenticatorRow) -> Option<String> {
    let details = PasskeyDetails::of(row)?;
    details
        .aaguid
        .as_deref()
        .and_then(mapping)
        .map(|m| m.name)
        .or(Some(details.name))
}

/// A stable device id for passkeys registered before one was always kept: a UUID-shaped
/// digest of the credential id, so every read gives the same one.
fn derived_device_id(credential_id: &str) -> String {
    let digest = Sha256::digest(format!("authsignal-sandbox/device/{credential_id}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid_shaped(bytes)
}

/// The `webauthnCredential` of a passkey authenticator; the backup flags come from the
/// key itself because every authentication may update them.
pub(crate) fn webauthn_credential(row: &AuthenticatorRow) -> Option<WebauthnCredentialJson> {
    let passkey: Passkey = serde_json::from_str(row.passkey.as_deref()?).ok()?;
    let credential = Credential::from(passkey);
    let details = PasskeyDetails::of(row).unwrap_or_default();
    let credential_id = row.credential_id.clone().unwrap_or_default();
    Some(WebauthnCredentialJson {
        device_id: details
            .device_id
            .unwrap_or_else(|| derived_device_id(&credential_id)),
        credential_id,
        name: details.name,
        aaguid_mapping: details.aaguid.as_deref().and_then(mapping),
        aaguid: details.aaguid,
        credential_backed_up: credential.backup_state,
        credential_device_type: if credential.backup_eligible {
            "multiDevice"
        } else {
            "singleDevice"
        },
        authenticator_attachment: details.authenticator_attachment,
        parsed_user_agent: details.parsed_user_agent,
    })
}
