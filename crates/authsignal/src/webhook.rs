//! Verifying Authsignal's webhook deliveries (`X-Signature-V2`), as the official Node SDK's
//! `Webhook.constructEvent` does: `t=<unix seconds>,v2=<sig>[,v2=<sig>…]`, where `sig` is the
//! unpadded base64 of HMAC-SHA256 over `"<t>.<raw body>"` keyed with the tenant secret.
//!
//! ```
//! use authsignal::webhook::{construct_event, sign, DEFAULT_TOLERANCE_SECS};
//! let body = br#"{"version":1,"type":"authenticator.created","id":"e1","time":"2026-01-01T00:00:00Z","data":{}}"#;
//! let header = sign("secret", body, 1_700_000_000);
//! let event = construct_event(body, &header, "secret", 1_700_000_010, DEFAULT_TOLERANCE_SECS).unwrap();
//! assert_eq!(event.event_type, "authenticator.created");
//! ```

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The header Authsignal signs its deliveries with.
pub const SIGNATURE_HEADER: &str = "X-Signature-V2";
/// How old (or how far ahead) a signature's timestamp may be: the Node SDK's 5 minutes.
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;

/// One webhook event: the envelope Authsignal posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// Envelope version.
    #[serde(default)]
    pub version: serde_json::Value,
    /// E.g. `authenticator.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Unique per event (the same across redeliveries of it).
    pub id: String,
    /// Who sent it.
    #[serde(default)]
    pub source: Option<String>,
    /// When it happened (ISO-8601).
    #[serde(default)]
    pub time: String,
    /// The tenant it belongs to.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// What the event is about; its shape depends on `event_type`.
    #[serde(default)]
    pub data: serde_json::Value,
}

/// Why a delivery was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `X-Signature-V2` header.
    #[error("the delivery is not signed")]
    MissingSignature,
    /// The header is not `t=…,v2=…`.
    #[error("the signature header is malformed")]
    MalformedSignature,
    /// The timestamp is outside the tolerance (a replay, or a wrong clock).
    #[error("the signature's timestamp is too old or in the future")]
    StaleTimestamp,
    /// No `v2` entry matches the body.
    #[error("the signature does not match")]
    SignatureMismatch,
    /// Signed correctly, but not an event.
    #[error("the body is not a webhook event: {0}")]
    InvalidBody(String),
}

/// Checks `signature_header` against `body` and the `secret`, then parses the event.
/// `now_unix` is the receiver's clock; `tolerance_secs` bounds the timestamp both ways.
pub fn construct_event(
    body: &[u8],
    signature_header: &str,
    secret: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<WebhookEvent, WebhookError> {
    let header = signature_header.trim();
    if header.is_empty() {
        return Err(WebhookError::MissingSignature);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v2", sig)) => signatures.push(sig.trim_end_matches('=')),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MalformedSignature)?;
    if signatures.is_empty() {
        return Err(WebhookError::MalformedSignature);
    }
    // `abs_diff`: a timestamp near i64::MIN must not overflow.
    if now_unix.abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return Err(WebhookError::StaleTimestamp);
    }
    let matches = signatures.iter().any(|sig| {
        STANDARD_NO_PAD
            .decode(sig)
            .ok()
            // `verify_slice` compares in constant time.
            .is_some_and(|given| mac(secret, timestamp, body).verify_slice(&given).is_ok())
    });
    if !matches {
        return Err(WebhookError::SignatureMismatch);
    }
    serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody(e.to_string()))
}

/// The `X-Signature-V2` value for `body` at `timestamp` (what a sender, or a test, puts on it).
pub fn sign(secret: &str, body: &[u8], timestamp: i64) -> String {
    let sig = STANDARD_NO_PAD.encode(mac(secret, timestamp, body).finalize().into_bytes());
    format!("t={timestamp},v2={sig}")
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"version":1,"type":"authenticator.deleted","id":"evt_1","time":"2026-11-30T00:00:00Z","tenantId":"t","data":{"userId":"u"}}"#;
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_signed_event_is_accepted_and_parsed() {
        let header = sign("k", BODY, NOW);
        let event = construct_event(BODY, &header, "k", NOW + 30, DEFAULT_TOLERANCE_SECS).unwrap();
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.data["userId"], "u");
    }

    #[test]
    fn padded_signatures_and_rotated_keys_are_accepted() {
        let good = sign("new", BODY, NOW);
        let sig = good.split("v2=").nth(1).unwrap();
        let header = format!("t={NOW},v2=AAAA,v2={sig}=");
        assert!(construct_event(BODY, &header, "new", NOW, 300).is_ok());
    }

    #[test]
    fn forged_stale_future_and_unsigned_deliveries_are_refused() {
        let header = sign("k", BODY, NOW);
        let tampered = BODY
            .to_vec()
            .into_iter()
            .map(|b| if b == b'u' { b'x' } else { b })
            .collect::<Vec<_>>();
        assert_eq!(
            construct_event(&tampered, &header, "k", NOW, 300),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            construct_event(BODY, &header, "other", NOW, 300),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            construct_event(BODY, &header, "k", NOW + 301, 300),
            Err(WebhookError::StaleTimestamp)
        );
        assert_eq!(
            construct_event(BODY, &header, "k", NOW - 301, 300),
            Err(WebhookError::StaleTimestamp)
        );
        assert_eq!(
            construct_event(BODY, "", "k", NOW, 300),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            construct_event(BODY, "v2=abc", "k", NOW, 300),
            Err(WebhookError::MalformedSignature)
        );
        assert_eq!(
            construct_event(BODY, &format!("t={NOW}"), "k", NOW, 300),
            Err(WebhookError::MalformedSignature)
        );
        // A timestamp at the edge of the integers is stale, not an overflow.
        let far = format!("t={},v2=abc", i64::MIN);
        assert_eq!(
            construct_event(BODY, &far, "k", NOW, 300),
            Err(WebhookError::StaleTimestamp)
        );
    }
}
