//! An authenticator as the Server and Client APIs show it, and the masked addresses the
//! Client API and the pre-built UI show instead of whole ones.

use serde::Serialize;

use crate::clock::iso8601;
use crate::passkeys::{webauthn_credential, PasskeyDetails, WebauthnCredentialJson};
use crate::store::AuthenticatorRow;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthenticatorJson {
    pub user_authenticator_id: String,
    pub user_id: String,
    pub verification_method: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_verified_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Passkeys: the user name and display name the credential was created for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webauthn_credential: Option<WebauthnCredentialJson>,
}

impl From<&AuthenticatorRow> for AuthenticatorJson {
    fn from(row: &AuthenticatorRow) -> Self {
        let details = PasskeyDetails::of(row);
        Self {
            user_authenticator_id: row.authenticator_id.clone(),
            user_id: row.user_id.clone(),
            verification_method: row.verification_method.clone(),
            created_at: iso8601(row.created_at),
            verified_at: row.verified_at.map(iso8601),
            last_verified_at: row.last_verified_at.map(iso8601),
            email: row.email.clone(),
            phone_number: row.phone_number.clone(),
            username: details.as_ref().and_then(|d| d.username.clone()),
            display_name: details.and_then(|d| d.display_name),
            webauthn_credential: webauthn_credential(row),
        }
    }
}

/// `ja•••@example.com`, `•••• 0123`: enough to recognise, as Authsignal shows it.
pub(crate) fn masked(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let shown: String = local.chars().take(2).collect();
        return format!("{shown}•••@{domain}");
    }
    let digits: Vec<char> = destination.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn masks_addresses() {
        assert_eq!(masked("jane@example.com"), "ja•••@example.com");
        assert_eq!(masked("+64215550123"), "•••• 0123");
    }
}
