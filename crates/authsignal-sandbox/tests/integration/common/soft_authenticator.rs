//! A software passkey authenticator for the tests: answers the options a passkey page
//! carries the way a browser + platform authenticator would (fmt "none", ES256), so the
//! registration and authentication ceremonies run without a browser.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use serde_cbor_2::Value as Cbor;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED: u8 = 0x40;

struct SoftCredential {
    id: Vec<u8>,
    rp_id: String,
    key: PKey<Private>,
    user_handle: Vec<u8>,
    counter: u32,
}

pub struct SoftAuthenticator {
    /// The origin the "browser" reports, e.g. `http://localhost:3000`.
    pub origin: String,
    aaguid: [u8; 16],
    /// A synced passkey provider (backup eligible and backed up).
    synced: bool,
    credentials: Vec<SoftCredential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .expect("base64url")
}

impl SoftAuthenticator {
    pub fn new(origin: &str, aaguid: &str, synced: bool) -> SoftAuthenticator {
        let parsed = uuid_bytes(aaguid);
        SoftAuthenticator {
            origin: origin.to_owned(),
            aaguid: parsed,
            synced,
            credentials: Vec::new(),
        }
    }

    fn flags(&self) -> u8 {
        let backup = if self.synced {
            BACKUP_ELIGIBLE | BACKED_UP
        } else {
            0
        };
        UP | UV | backup
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    pub fn credential_ids(&self) -> Vec<String> {
        self.credentials.iter().map(|c| b64(&c.id)).collect()
    }

    /// `navigator.credentials.create`: the JSON `passkey.js` posts back.
    pub fn create(&mut self, options: &Value) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rp"]["id"].as_str().expect("rp.id").to_owned();
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
        let ec = EcKey::generate(&group).expect("key");
        let mut x = BigNum::new().expect("bn");
        let mut y = BigNum::new().expect("bn");
        ec.public_key()
            .affine_coordinates(
                &group,
                &mut x,
                &mut y,
                &mut BigNumContext::new().expect("ctx"),
            )
            .expect("coordinates");
        let cose_key = Cbor::Map(BTreeMap::from([
            (Cbor::Integer(1), Cbor::Integer(2)),
            (Cbor::Integer(3), Cbor::Integer(-7)),
            (Cbor::Integer(-1), Cbor::Integer(1)),
            (
                Cbor::Integer(-2),
                Cbor::Bytes(x.to_vec_padded(32).expect("x")),
            ),
            (
                Cbor::Integer(-3),
                Cbor::Bytes(y.to_vec_padded(32).expect("y")),
            ),
        ]));
        let id: Vec<u8> =
            Sha256::digest(format!("{}{}", self.credentials.len(), challenge))[..16].to_vec();
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags() | ATTESTED);
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend(self.aaguid);
        auth_data.extend((id.len() as u16).to_be_bytes());
        auth_data.extend(&id);
        auth_data.extend(serde_cbor_2::to_vec(&cose_key).expect("cose"));
        let attestation = Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = self.client_data("webauthn.create", challenge);
        self.credentials.push(SoftCredential {
            id: id.clone(),
            rp_id,
            key: PKey::from_ec_key(ec).expect("pkey"),
            user_handle: unb64(public_key["user"]["id"].as_str().expect("user.id")),
            counter: 0,
        });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&serde_cbor_2::to_vec(&attestation).expect("cbor")),
                "clientDataJSON": b64(&client_data),
                "transports": ["internal"],
            },
            "extensions": {},
        })
    }

    /// `navigator.credentials.get`: None when this authenticator has none of the
    /// allowed credentials (the browser would answer NotAllowedError). An empty
    /// `allowCredentials` asks for any discoverable credential of the relying party.
    pub fn get(&mut self, options: &Value) -> Option<Value> {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("rpId");
        let challenge = public_key["challenge"].as_str().expect("challenge");
        let allowed: Vec<Vec<u8>> = public_key["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| unb64(c["id"].as_str().expect("id")))
                    .collect()
            })
            .unwrap_or_default();
        let flags = self.flags();
        let client_data = self.client_data("webauthn.get", challenge);
        let credential = self
            .credentials
            .iter_mut()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))?;
        credential.counter += 1;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend(credential.counter.to_be_bytes());
        let mut signer = Signer::new(MessageDigest::sha256(), &credential.key).expect("signer");
        signer.update(&auth_data).expect("sign");
        signer.update(&Sha256::digest(&client_data)).expect("sign");
        let signature = signer.sign_to_vec().expect("signature");
        Some(json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(&signature),
                "userHandle": b64(&credential.user_handle),
            },
            "extensions": {},
        }))
    }
}

fn uuid_bytes(text: &str) -> [u8; 16] {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).expect("hex aaguid");
    }
    bytes
}

/// The options JSON a passkey page carries for `passkey.js`.
pub fn page_options(html: &str) -> Value {
    let marker = r#"<script type="application/json" id="passkey-options">"#;
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no passkey options in: {html}"));
    let end = html[start..]
        .find("</script>")
        .map(|i| start + i)
        .expect("end of options");
    serde_json::from_str(&html[start..end]).expect("options are JSON")
}
