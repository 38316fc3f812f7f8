//! The JSON Authsignal sends: `{version, id, source, time, tenantId, type, data}` with the
//! authenticator fields its docs list per event type (docs.authsignal.com, advanced-usage /
//! webhooks / authenticator-created, -updated, -deleted), plus the sandbox's `isDefault`.

use serde::Serialize;

use crate::clock::iso8601;
use crate::ids::new_uuid;
use crate::passkeys::{passkey_name, PasskeyDetails};
use crate::store::{AuthenticatorEvent, AuthenticatorRow, WebhookEvent};

/// "This is always https://authsignal.com" (Authsignal's event metadata docs).
const SOURCE: &str = "https://authsignal.com";
const VERSION: u8 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    version: u8,
    id: &'a str,
    source: &'a str,
    time: String,
    tenant_id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    data: AuthenticatorData,
}

/// `data`, in the order Authsignal's docs list the fields; absent ones are left out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthenticatorData {
    user_id: String,
    verification_method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
    user_authenticator_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aaguid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential_name: Option<String>,
    /// Sandbox addition (Authsignal's docs list no such field): whether this is now the
    /// user's default authenticator, as the Client API's `isDefault`. Not on deletions.
    #[serde(skip_serializing_if = "Option::is_none")]
    is_default: Option<bool>,
}

/// The event telling that `row` was created, updated or deleted at `now_ms` (sandbox clock).
pub(crate) fn authenticator_event(
    event_type: AuthenticatorEvent,
    row: &AuthenticatorRow,
    is_default: bool,
    tenant_id: &str,
    now_ms: i64,
) -> serde_json::Result<WebhookEvent> {
    let now = iso8601(now_ms);
    let created = iso8601(row.created_at);
    let (created_at, updated_at, deleted_at, is_default) = match event_type {
        AuthenticatorEvent::Created => (Some(created), None, None, Some(is_default)),
        AuthenticatorEvent::Updated => (None, Some(now.clone()), None, Some(is_default)),
        AuthenticatorEvent::Deleted => (Some(created), None, Some(now.clone()), None),
    };
    let data = AuthenticatorData {
        user_id: row.user_id.clone(),
        verification_method: row.verification_method.clone(),
        created_at,
        updated_at,
        deleted_at,
        user_authenticator_id: row.authenticator_id.clone(),
        email: row.email.clone(),
        phone_number: row.phone_number.clone(),
        credential_id: row.credential_id.clone(),
        aaguid: PasskeyDetails::of(row).and_then(|d| d.aaguid),
        credential_name: passkey_name(row),
        is_default,
    };
    let id = new_uuid();
    let body = serde_json::to_string(&Envelope {
        version: VERSION,
        id: &id,
        source: SOURCE,
        time: now,
        tenant_id,
        event_type: event_type.as_str(),
        data,
    })?;
    Ok(WebhookEvent {
        id,
        event_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn email_row() -> AuthenticatorRow {
        AuthenticatorRow {
            authenticator_id: "auth-1".into(),
            user_id: "user-1".into(),
            verification_method: "EMAIL_OTP".into(),
            email: Some("jane@example.com".into()),
            phone_number: None,
            totp_secret: None,
            last_totp_step: None,
            created_at: 1_767_225_600_000,
            verified_at: Some(1_767_225_600_000),
            last_verified_at: None,
            passkey: None,
            credential_id: None,
            passkey_details: None,
        }
    }

    fn parsed(event: &WebhookEvent) -> Value {
        serde_json::from_str(&event.body).unwrap_or_default()
    }

    #[test]
    fn created_has_the_documented_envelope_and_fields() {
        let event = authenticator_event(
            AuthenticatorEvent::Created,
            &email_row(),
            true,
            "tenant-1",
            1_767_225_601_500,
        )
        .expect("serialises");
        let body = parsed(&event);
        assert_eq!(body["id"], json!(event.id));
        assert_eq!(
            body,
            json!({
                "version": 1, "id": event.id, "source": "https://authsignal.com",
                "time": "2026-01-01T00:00:01.500Z", "tenantId": "tenant-1",
                "type": "authenticator.created",
                "data": {
                    "userId": "user-1", "verificationMethod": "EMAIL_OTP",
                    "createdAt": "2026-01-01T00:00:00.000Z", "userAuthenticatorId": "auth-1",
                    "email": "jane@example.com", "isDefault": true
                }
            })
        );
        assert!(
            event.body.starts_with(r#"{"version":1,"id":""#),
            "documented key order"
        );
    }

    #[test]
    fn updated_and_deleted_carry_their_own_times() {
        let row = email_row();
        let updated = authenticator_event(
            AuthenticatorEvent::Updated,
            &row,
            false,
            "t",
            1_767_225_602_000,
        )
        .expect("serialises");
        let data = &parsed(&updated)["data"];
        assert_eq!(data["updatedAt"], "2026-01-01T00:00:02.000Z");
        assert_eq!(data["isDefault"], false);
        assert!(data.get("createdAt").is_none());

        let deleted = authenticator_event(
            AuthenticatorEvent::Deleted,
            &row,
            false,
            "t",
            1_767_225_603_000,
        )
        .expect("serialises");
        let data = &parsed(&deleted)["data"];
        assert_eq!(data["createdAt"], "2026-01-01T00:00:00.000Z");
        assert_eq!(data["deletedAt"], "2026-01-01T00:00:03.000Z");
        assert!(data.get("isDefault").is_none());
        assert_ne!(updated.id, deleted.id);
    }
}
