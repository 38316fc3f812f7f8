//! Passkeys: the WebAuthn relying party the pre-built UI uses (webauthn-rs), and what
//! Authsignal reports about a passkey (`webauthnCredential`).

mod aaguid;
mod details;
mod relying_party;
mod user_agent;

pub(crate) use aaguid::{aaguid_of, mapping as aaguid_mapping};
pub(crate) use details::{
    account_names, passkey_name, webauthn_credential, PasskeyDetails, WebauthnCredentialJson,
};
pub(crate) use relying_party::{start_registration, user_handle, RelyingParty};
pub(crate) use user_agent::parse as parse_user_agent;
