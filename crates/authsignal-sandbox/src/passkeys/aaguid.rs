//! Which passkey provider made a credential: its AAGUID (from the authenticator data of
//! the registration) and a small table of well-known providers, with icons.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_cbor_2::Value;
use webauthn_rs::prelude::Uuid;

/// `aaguidMapping` on the wire: the provider's name and icons as SVG data URIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AaguidMapping {
    pub name: String,
    pub svg_icon_light: String,
    pub svg_icon_dark: String,
}

struct KnownProvider {
    aaguid: &'static str,
    name: &'static str,
    /// Shown on the icon (a plain letter mark, not the provider's logo).
    mark: &'static str,
    colour: &'static str,
}

/// AAGUIDs from the community list at passkeydeveloper/passkey-authenticator-aaguids.
const KNOWN_PROVIDERS: &[KnownProvider] = &[
    KnownProvider {
        aaguid: "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        name: "Google Password Manager",
        mark: "G",
        colour: "#1a73e8",
    },
    KnownProvider {
        aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
        name: "Chrome on Mac",
        mark: "C",
        colour: "#188038",
    },
    KnownProvider {
        aaguid: "fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
        name: "iCloud Keychain",
        mark: "i",
        colour: "#555555",
    },
    KnownProvider {
        aaguid: "dd4ec289-e01d-41c9-bb89-70fa845d4bf2",
        name: "iCloud Keychain (Managed)",
        mark: "i",
        colour: "#555555",
    },
    KnownProvider {
        aaguid: "08987058-cadc-4b81-b6e1-30de50dcbe96",
        name: "Windows Hello",
        mark: "W",
        colour: "#0078d4",
    },
    KnownProvider {
        aaguid: "9ddd1817-af5a-4672-a2b9-3e3dd95000a9",
        name: "Windows Hello",
        mark: "W",
        colour: "#0078d4",
    },
    KnownProvider {
        aaguid: "6028b017-b1d4-4c02-b4b3-afcdafc96bb2",
        name: "Windows Hello",
        mark: "W",
        colour: "#0078d4",
    },
    KnownProvider {
        aaguid: "bada5566-a7aa-401f-bd96-45619a55120d",
        name: "1Password",
        mark: "1",
        colour: "#0572ec",
    },
    KnownProvider {
        aaguid: "d548826e-79b4-db40-a3d8-11116f7e8349",
        name: "Bitwarden",
        mark: "B",
        colour: "#175ddc",
    },
    KnownProvider {
        aaguid: "531126d6-e717-415c-9320-3d9aa6981239",
        name: "Dashlane",
        mark: "D",
        colour: "#0e353d",
    },
    KnownProvider {
        aaguid: "53414d53-554e-4700-0000-000000000000",
        name: "Samsung Pass",
        mark: "S",
        colour: "#1428a0",
    },
    KnownProvider {
        aaguid: "50726f74-6f6e-5061-7373-50726f746f6e",
        name: "Proton Pass",
        mark: "P",
        colour: "#6d4aff",
    },
    KnownProvider {
        aaguid: "fdb141b2-5d84-443e-8a35-4698c205a502",
        name: "KeePassXC",
        mark: "K",
        colour: "#6cac4d",
    },
    // Chromium's DevTools / WebDriver virtual authenticator, which browser tests use.
    KnownProvider {
        aaguid: "01020304-0506-0708-0102-030405060708",
        name: "Virtual authenticator",
        mark: "V",
        colour: "#5b6475",
    },
];

/// The provider behind an AAGUID, if it is a well-known one.
pub(crate) fn mapping(aaguid: &str) -> Option<AaguidMapping> {
    let known = KNOWN_PROVIDERS
        .iter()
        .find(|p| p.aaguid.eq_ignore_ascii_case(aaguid))?;
    Some(AaguidMapping {
        name: known.name.to_owned(),
        svg_icon_light: letter_icon(known.mark, known.colour, "#ffffff"),
        svg_icon_dark: letter_icon(known.mark, "#ffffff", known.colour),
    })
}

/// A rounded square with a letter, as a base64 SVG data URI.
fn letter_icon(mark: &str, background: &str, foreground: &str) -> String {
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="6" fill="{background}"/><text x="12" y="16.5" font-family="system-ui,sans-serif" font-size="13" font-weight="700" text-anchor="middle" fill="{foreground}">{mark}</text></svg>"#
    );
    format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg))
}

/// The AAGUID in a registration's `attestationObject` (CBOR `{fmt, attStmt, authData}`).
/// authData is rpIdHash (32) · flags (1) · signCount (4) · AAGUID (16) · …, the AAGUID
/// being there only when the attested-credential-data flag is set.
pub(crate) fn aaguid_of(attestation_object: &[u8]) -> Option<String> {
    const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;
    let Value::Map(map) = serde_cbor_2::from_slice(attestation_object).ok()? else {
        return None;
    };
    let Some(Value::Bytes(auth_data)) = map.get(&Value::Text("authData".to_owned())) else {
        return None;
    };
    if auth_data.get(32)? & ATTESTED_CREDENTIAL_DATA == 0 {
        return None;
    }
    let aaguid = Uuid::from_slice(auth_data.get(37..53)?).ok()?;
    Some(aaguid.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn attestation_object(flags: u8, aaguid: [u8; 16]) -> Vec<u8> {
        let mut auth_data = vec![0u8; 32];
        auth_data.push(flags);
        auth_data.extend([0, 0, 0, 0]);
        auth_data.extend(aaguid);
        auth_data.extend([0, 2, 0xab, 0xcd]);
        let mut map = BTreeMap::new();
        map.insert(Value::Text("fmt".into()), Value::Text("none".into()));
        map.insert(Value::Text("attStmt".into()), Value::Map(BTreeMap::new()));
        map.insert(Value::Text("authData".into()), Value::Bytes(auth_data));
        serde_cbor_2::to_vec(&Value::Map(map)).expect("cbor")
    }

    #[test]
    fn reads_the_aaguid_of_a_registration() {
        let gpm = Uuid::parse_str("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").expect("uuid");
        let object = attestation_object(0x45, *gpm.as_bytes());
        assert_eq!(
            aaguid_of(&object).as_deref(),
            Some("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
        );
        // Without attested credential data there is no AAGUID to read.
        assert_eq!(aaguid_of(&attestation_object(0x05, *gpm.as_bytes())), None);
        assert_eq!(aaguid_of(b"not cbor"), None);
    }

    #[test]
    fn well_known_providers_have_a_name_and_icons() {
        let gpm = mapping("EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4").expect("known");
        assert_eq!(gpm.name, "Google Password Manager");
        for icon in [&gpm.svg_icon_light, &gpm.svg_icon_dark] {
            let encoded = icon
                .strip_prefix("data:image/svg+xml;base64,")
                .expect("an SVG data URI");
            let svg = String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("utf8");
            assert!(
                svg.starts_with("<svg") && svg.contains(">G</text>"),
                "{svg}"
            );
        }
        assert_eq!(mapping("00000000-0000-0000-0000-000000000000"), None);
    }
}
