//! `X-Signature-V2: t=<unix seconds>,v2=<signature>`, as the official SDKs check it
//! (`@authsignal/node` `Webhook.constructEvent`, `authsignal` (PyPI) `Webhook.construct_event`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header Authsignal signs its webhook requests in.
pub const SIGNATURE_HEADER: &str = "X-Signature-V2";

/// The header value for `body` sent at `unix_seconds`: base64 of HMAC-SHA256(secret key,
/// "<t>.<body>") without its `=` padding (the Node SDK strips the first `=`, the Python SDK
/// every one: a 32-byte digest has exactly one).
pub(crate) fn signature_header(secret_key: &str, unix_seconds: i64, body: &str) -> String {
    format!(
        "t={unix_seconds},v2={}",
        signature(secret_key, unix_seconds, body)
    )
}

fn signature(secret_key: &str, unix_seconds: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    STANDARD
        .encode(mac.finalize().into_bytes())
        .replacen('=', "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_signature_computed_the_sdks_way() {
        // printf '1740016316.{}' | openssl dgst -sha256 -hmac secret -binary | base64
        // gives "nebmi+ziAMD+t8QymFNWM4ToQ/qmsV7kknnbkouAu2Y=".
        assert_eq!(
            signature_header("secret", 1_740_016_316, "{}"),
            "t=1740016316,v2=nebmi+ziAMD+t8QymFNWM4ToQ/qmsV7kknnbkouAu2Y"
        );
    }

    #[test]
    fn differs_for_another_body_time_or_key() {
        let base = signature_header("k", 1, "{\"a\":1}");
        assert_ne!(base, signature_header("k", 1, "{\"a\":2}"));
        assert_ne!(base, signature_header("k", 2, "{\"a\":1}"));
        assert_ne!(base, signature_header("j", 1, "{\"a\":1}"));
        assert_eq!(base.matches('=').count(), 2, "only t= and v2=: {base}");
    }
}
