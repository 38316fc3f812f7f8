//! The relying party: its id and origin come from the sandbox's public URL, never from
//! the request's Host header, so the origin the browser reports must match it exactly.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Host;
use webauthn_rs::prelude::{
    CredentialID, PasskeyRegistration, Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

/// A configured relying party, or why passkeys can't work at this public URL.
#[derive(Debug)]
pub(crate) enum RelyingParty {
    Ready(Box<Webauthn>),
    Unavailable(String),
}

impl RelyingParty {
    /// `http://localhost:3000/sandbox` → id `localhost`, origin `http://localhost:3000`.
    pub(crate) fn for_public_url(public_url: &str) -> RelyingParty {
        let Ok(url) = Url::parse(public_url) else {
            return RelyingParty::Unavailable(format!("{public_url:?} is not a URL."));
        };
        let rp_id = match url.host() {
            Some(Host::Domain(domain)) => domain.to_owned(),
            // Browsers refuse an IP address as a relying-party id.
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
                return RelyingParty::Unavailable(format!(
                    "Passkeys need the sandbox to be opened by a host name, not an IP address. Start it with --public-url http://localhost:{}.",
                    url.port_or_known_default().unwrap_or(80)
                ))
            }
            None => {
                return RelyingParty::Unavailable(format!("{public_url:?} has no host."));
            }
        };
        let Ok(origin) = Url::parse(&url.origin().ascii_serialization()) else {
            return RelyingParty::Unavailable(format!("{public_url:?} has no origin."));
        };
        match WebauthnBuilder::new(&rp_id, &origin).and_then(WebauthnBuilder::build) {
            Ok(webauthn) => RelyingParty::Ready(Box::new(webauthn)),
            Err(e) => {
                RelyingParty::Unavailable(format!("Passkeys can't be set up for {origin}: {e}."))
            }
        }
    }

    pub(crate) fn webauthn(&self) -> Result<&Webauthn, &str> {
        match self {
            RelyingParty::Ready(webauthn) => Ok(webauthn),
            RelyingParty::Unavailable(reason) => Err(reason),
        }
    }
}

/// Starts a passkey registration whose credential is discoverable, as Authsignal's passkeys
/// are: usernameless sign-in (the Web SDK's `passkey.signIn()` without a token) finds it.
/// The options come back as JSON (`{"publicKey": …}`); webauthn-rs's prelude lacks the type
/// to ask for a resident key. It never checks that flag when the answer comes back.
pub(crate) fn start_registration(
    webauthn: &Webauthn,
    user_id: &str,
    name: &str,
    display_name: &str,
    existing: Vec<CredentialID>,
) -> Result<(Value, PasskeyRegistration), WebauthnError> {
    let (options, state) = webauthn.start_passkey_registration(
        user_handle(user_id),
        name,
        display_name,
        (!existing.is_empty()).then_some(existing),
    )?;
    let mut options = serde_json::to_value(options).map_err(|_| WebauthnError::Configuration)?;
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
        selection["residentKey"] = json!("required");
        selection["requireResidentKey"] = json!(true);
    }
    Ok((options, state))
}

/// The WebAuthn user handle for a user id: stable, so every passkey of one user shares
/// it, and opaque, so the authenticator doesn't learn the app's user id.
pub(crate) fn user_handle(user_id: &str) -> Uuid {
    let digest = Sha256::digest(format!("authsignal-sandbox webauthn user {user_id}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_public_host_and_origin() {
        for url in [
            "http://localhost:3000/sandbox",
            "https://shop.example.com/sandbox",
        ] {
            assert!(
                matches!(RelyingParty::for_public_url(url), RelyingParty::Ready(_)),
                "{url}"
            );
        }
    }

    #[test]
    fn an_ip_address_cannot_be_a_relying_party() {
        let RelyingParty::Unavailable(reason) =
            RelyingParty::for_public_url("http://127.0.0.1:7700")
        else {
            panic!("an IP address was accepted");
        };
        assert!(reason.contains("http://localhost:7700"), "{reason}");
    }

    #[test]
    fn user_handles_are_stable_per_user() {
        assert_eq!(user_handle("u1"), user_handle("u1"));
        assert_ne!(user_handle("u1"), user_handle("u2"));
    }
}
