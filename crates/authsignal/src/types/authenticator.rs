//! Bodies of `GET`/`POST /users/{userId}/authenticators`.

use serde::{Deserialize, Serialize};

use super::{SmsChannel, VerificationMethod};

/// One element of the array returned by `GET /users/{userId}/authenticators`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthenticator {
    /// Identifies the authenticator for `DELETE /users/{userId}/authenticators/{id}`.
    pub user_authenticator_id: String,
    /// What kind of authenticator this is.
    pub verification_method: VerificationMethod,
    /// When it was enrolled (ISO-8601).
    #[serde(default)]
    pub created_at: String,
    /// When enrollment was verified (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    /// When it was last used successfully (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_at: Option<String>,
    /// The owning user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The email of an email authenticator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The phone number of an SMS/WhatsApp authenticator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The username of a passkey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The display name of a passkey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The device name (Node SDK types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The channel an SMS authenticator last used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_sms_channel: Option<SmsChannel>,
    /// When the authenticator last failed (Node SDK types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errored_at: Option<String>,
    /// Why the authenticator last failed (Node SDK types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Passkey / security key details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn_credential: Option<WebauthnCredential>,
}

/// The WebAuthn details of a passkey or security key (`webauthnCredential`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebauthnCredential {
    /// The WebAuthn credential id.
    pub credential_id: String,
    /// The device the credential was created on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The credential's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The authenticator model's AAGUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid: Option<String>,
    /// Human-readable provider name and icons for the AAGUID; use its `name` as the label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aaguid_mapping: Option<AaguidMapping>,
    /// Whether the credential is backed up (synced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_backed_up: Option<bool>,
    /// `multiDevice` or `singleDevice`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_device_type: Option<String>,
    /// `platform` or `cross-platform`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// The browser and OS the credential was created with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parsed_user_agent: Option<ParsedUserAgent>,
}

/// Provider name and icons for an AAGUID, e.g. "iCloud Keychain".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AaguidMapping {
    /// The provider's name, the best label for a passkey.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// SVG data URI for light backgrounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg_icon_light: Option<String>,
    /// SVG data URI for dark backgrounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg_icon_dark: Option<String>,
}

/// The parsed `User-Agent` of the browser a credential was created in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParsedUserAgent {
    /// The raw `User-Agent` string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ua: Option<String>,
    /// The browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<UserAgentBrowser>,
    /// The device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<UserAgentDevice>,
    /// The rendering engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<UserAgentEngine>,
    /// The operating system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<UserAgentOs>,
    /// The CPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<UserAgentCpu>,
}

/// Browser part of a [`ParsedUserAgent`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserAgentBrowser {
    /// e.g. `Chrome`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Full version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Major version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major: Option<String>,
}

/// Device part of a [`ParsedUserAgent`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserAgentDevice {
    /// e.g. `iPhone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// e.g. `mobile`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// e.g. `Apple`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// Engine part of a [`ParsedUserAgent`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserAgentEngine {
    /// e.g. `Blink`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Engine version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Operating-system part of a [`ParsedUserAgent`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserAgentOs {
    /// e.g. `Mac OS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// OS version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// CPU part of a [`ParsedUserAgent`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserAgentCpu {
    /// e.g. `amd64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
}

/// Body of `POST /users/{userId}/authenticators`: enrolls an email or phone number that you
/// have **already verified** yourself; Authsignal sends no code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollVerifiedAuthenticatorRequest {
    /// `EMAIL_OTP` / `EMAIL_MAGIC_LINK` need `email`; `SMS` needs `phone_number`;
    /// `AUTHENTICATOR_APP` needs `otp_uri`.
    pub verification_method: VerificationMethod,
    /// The verified email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The verified phone number, E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The `otpauth://` URI of an authenticator app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_uri: Option<String>,
    /// Make it the default method. In the Node/Java SDKs but not in the current docs, so
    /// whether Authsignal still honours it is unconfirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

impl EnrollVerifiedAuthenticatorRequest {
    /// An `EMAIL_OTP` authenticator for an email you have verified.
    pub fn email_otp(email: impl Into<String>) -> Self {
        EnrollVerifiedAuthenticatorRequest {
            email: Some(email.into()),
            ..Self::bare(VerificationMethod::EmailOtp)
        }
    }

    /// An `SMS` authenticator for an E.164 phone number you have verified.
    pub fn sms(phone_number: impl Into<String>) -> Self {
        EnrollVerifiedAuthenticatorRequest {
            phone_number: Some(phone_number.into()),
            ..Self::bare(VerificationMethod::Sms)
        }
    }

    /// Any method, with every other field unset.
    pub fn bare(verification_method: VerificationMethod) -> Self {
        EnrollVerifiedAuthenticatorRequest {
            verification_method,
            email: None,
            phone_number: None,
            otp_uri: None,
            is_default: None,
        }
    }
}

/// Response of `POST /users/{userId}/authenticators`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollVerifiedAuthenticatorResponse {
    /// The new authenticator.
    pub authenticator: UserAuthenticator,
    /// Recovery codes, when Authsignal issues them (when exactly is unconfirmed).
    #[serde(default)]
    pub recovery_codes: Vec<String>,
}
