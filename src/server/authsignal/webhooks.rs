//! `POST /webhooks/authsignal`: Authsignal's authenticator events. Each delivery is verified
//! (signature and timestamp), applied once per event id, named precisely in the customer's
//! activity, mailed to them as a receipt, and refreshes what we remember about enrollment.
//! This is the one place authenticator changes are recorded, wherever they were made: the
//! pre-built UI, the account page, the Web SDK or the admin CLI.

use authsignal::webhook::{self, WebhookError, WebhookEvent, DEFAULT_TOLERANCE_SECS};
use authsignal::UserAuthenticator;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use crate::server::activity::log::EventKind;
use crate::server::authsignal::deliveries;
use crate::server::authsignal::views::{describe, method_words};
use crate::server::state::AppState;

/// What an authenticator event did, in the activity's words.
#[derive(Debug, PartialEq, Eq)]
pub struct Change {
    pub user_id: String,
    /// "Added Passkey (Google Password Manager)", "Removed SMS +64 27 … 567", …
    pub line: String,
    /// The authenticator an addition (or a re-enrollment) put on the account: what "This
    /// wasn't me" removes.
    pub added: Option<String>,
}

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.settings.webhook_secret else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers
        .get(webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now = crate::server::clock::now_unix();
    let event = match webhook::construct_event(
        &body,
        signature,
        secret.expose_secret(),
        now,
        DEFAULT_TOLERANCE_SECS,
    ) {
        Ok(event) => event,
        Err(why) => {
            tracing::warn!(%why, "webhook delivery refused");
            let status = match why {
                WebhookError::InvalidBody(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            return (status, "refused").into_response();
        }
    };
    let Some(change) = change_of(&event) else {
        tracing::debug!(event_type = %event.event_type, "webhook event not about authenticators; ignored");
        return (StatusCode::OK, "ignored").into_response();
    };
    match deliveries::first(&state.pool, &event.id, &event.event_type, now).await {
        Ok(true) => {}
        Ok(false) => {
            // A redelivery, or a captured request replayed: answered, never applied twice.
            tracing::info!(event_id = %event.id, "webhook event already applied; not applied again");
            return (StatusCode::OK, "already applied").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "recording a webhook event failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    let user = match state.users.find_by_id(&change.user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!(event_id = %event.id, "webhook event for a user this shop doesn't have; ignored");
            return (StatusCode::OK, "ignored").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "loading the webhook's customer failed");
            deliveries::forget(&state.pool, &event.id).await;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    state
        .events
        .record(&user.id, EventKind::Change, &change.line)
        .await;
    refresh_enrollment(&state, &user.id, &event).await;
    // Who made it: the browser whose own launch holds the moment Authsignal made it, the
    // support team, or nobody this shop knows of.
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let at_ms = time::OffsetDateTime::parse(&event.time, rfc3339)
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
        .unwrap_or(now * 1000);
    // On our clock: the embedded sandbox's test clock may run ahead for this customer.
    let ahead_ms = state.authsignal_clock.ahead_of_ours(&user.id) * 1000;
    let made_by = state.users.change_made_by(&user.id, at_ms - ahead_ms).await;
    crate::server::activity::receipts::security_change(
        &state,
        &user,
        &change.line,
        &made_by,
        change.added.as_deref(),
    )
    .await;
    tracing::info!(user_id = %user.id, event_type = %event.event_type, "authenticator change recorded");
    (StatusCode::OK, "applied").into_response()
}

/// Remembers what Authsignal now says about enrollment (sign-in fails closed on it while
/// Authsignal is down). Unreachable: an addition still means enrolled; a removal leaves the
/// old answer, which errs towards asking for a second step.
async fn refresh_enrollment(state: &AppState, user_id: &str, event: &WebhookEvent) {
    match state.authsignal.get_user(user_id).await {
        Ok(user) => {
            let users = &state.users;
            users
                .remember_enrollment(user_id, user.is_enrolled, None)
                .await
        }
        Err(e) => {
            tracing::warn!(error = %e, "refreshing enrollment after a webhook failed");
            if event.event_type == "authenticator.created" {
                state.users.remember_enrollment(user_id, true, None).await;
            }
        }
    }
}

/// The authenticator an event is about: Authsignal puts its fields in `data` itself (an
/// `authenticator` object is accepted too); a passkey is named by `credentialName`.
fn authenticator_of(event: &WebhookEvent) -> Option<UserAuthenticator> {
    let data = &event.data;
    let object = data.get("authenticator").unwrap_or(data);
    let mut authenticator: UserAuthenticator = serde_json::from_value(object.clone()).ok()?;
    if authenticator.display_name.is_none() {
        authenticator.display_name = object
            .get("credentialName")
            .and_then(|n| n.as_str())
            .filter(|n| !n.is_empty())
            .map(str::to_string);
    }
    Some(authenticator)
}

fn user_id_of(event: &WebhookEvent, authenticator: &UserAuthenticator) -> Option<String> {
    event
        .data
        .get("userId")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| authenticator.user_id.clone())
        .filter(|id| !id.is_empty() && id.len() <= 200)
}

fn is_default(event: &WebhookEvent) -> bool {
    let data = &event.data;
    let flag = |v: &serde_json::Value| v.get("isDefault").and_then(|f| f.as_bool());
    flag(data)
        .or_else(|| data.get("authenticator").and_then(flag))
        .unwrap_or(false)
}

/// The activity line for an authenticator event; `None` for other events.
pub fn change_of(event: &WebhookEvent) -> Option<Change> {
    let verb = match event.event_type.as_str() {
        "authenticator.created" => "Added",
        "authenticator.deleted" => "Removed",
        "authenticator.updated" => "Updated",
        _ => return None,
    };
    let mut authenticator = authenticator_of(event)?;
    let user_id = user_id_of(event, &authenticator)?;
    if let Some(phone) = authenticator.phone_number.take() {
        authenticator.phone_number = Some(masked_phone(&phone));
    }
    let default_change = verb == "Updated" && is_default(event);
    let line = if default_change {
        format!(
            "Default set to {}",
            method_words(&authenticator.verification_method)
        )
    } else {
        format!("{verb} {}", describe(&authenticator))
    };
    // One line of plain text, whatever the event carried.
    let line: String = line.chars().filter(|c| !c.is_control()).take(200).collect();
    // What "This wasn't me" undoes: an authenticator put on the account, not a new default.
    let added = (matches!(verb, "Added" | "Updated") && !default_change)
        .then(|| authenticator.user_authenticator_id.clone())
        .filter(|id| !id.is_empty() && id.len() <= 200);
    Some(Change {
        user_id,
        line,
        added,
    })
}

/// "+64 27 … 567": enough for the customer to recognise, not the whole number. The country
/// code is the parsed one (one to three digits), never a guess.
pub fn masked_phone(phone: &str) -> String {
    let Ok(number) = phonenumber::parse(None, phone) else {
        return "…".to_string();
    };
    let national = number.national().value().to_string();
    if national.len() < 5 {
        return "…".to_string();
    }
    format!(
        "+{} {} … {}",
        number.code().value(),
        &national[..2],
        &national[national.len() - 3..]
    )
}

#[cfg(test)]
mod tests {
    use crate::server::authsignal::webhooks::*;

    fn event(event_type: &str, data: serde_json::Value) -> WebhookEvent {
        serde_json::from_value(serde_json::json!({
            "version": 1, "type": event_type, "id": "evt", "time": "2026-11-30T00:00:00Z", "data": data
        }))
        .unwrap()
    }

    #[test]
    fn phone_numbers_are_masked_by_their_own_country_code() {
        assert_eq!(masked_phone("+14155550123"), "+1 41 … 123");
        assert_eq!(masked_phone("+447911123456"), "+44 79 … 456");
        assert_eq!(masked_phone("+64279999888"), "+64 27 … 888");
        assert_eq!(masked_phone("+85291234678"), "+852 91 … 678");
        assert_eq!(masked_phone("not a number"), "…");
        assert_eq!(masked_phone("+1"), "…");
    }

    #[test]
    fn each_change_is_named_precisely() {
        let added = event(
            "authenticator.created",
            serde_json::json!({"userId": "u1",
            "userAuthenticatorId": "a", "verificationMethod": "PASSKEY", "createdAt": "2026-11-30T00:00:00Z",
            "credentialId": "abc", "aaguid": "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
            "credentialName": "Google Password Manager", "isDefault": false}),
        );
        assert_eq!(
            change_of(&added).unwrap(),
            Change {
                user_id: "u1".into(),
                line: "Added Passkey (Google Password Manager)".into(),
                added: Some("a".into()),
            }
        );
        let removed = event(
            "authenticator.deleted",
            serde_json::json!({"userId": "u1",
            "userAuthenticatorId": "a", "verificationMethod": "SMS", "phoneNumber": "+64271234567",
            "createdAt": "2026-11-30T00:00:00Z", "deletedAt": "2026-11-30T00:01:00Z"}),
        );
        assert_eq!(
            change_of(&removed).unwrap().line,
            "Removed SMS (+64 27 … 567)"
        );
        let default = event(
            "authenticator.updated",
            serde_json::json!({"userId": "u1",
            "userAuthenticatorId": "a", "verificationMethod": "AUTHENTICATOR_APP", "isDefault": true}),
        );
        assert_eq!(
            change_of(&default).unwrap().line,
            "Default set to Authenticator app"
        );
        assert!(change_of(&event("action.created", serde_json::json!({}))).is_none());
        assert!(change_of(&event("authenticator.created", serde_json::json!({"authenticator": {"verificationMethod": "SMS", "userAuthenticatorId": "a"}}))).is_none());
    }
}
