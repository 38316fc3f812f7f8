//! Authenticator webhooks: each change delivers its event to a real receiver, signed with
//! the secret key; failed deliveries are retried with the same event, in creation order;
//! the outbox survives a restart.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use authsignal_sandbox::{Clock, WebhookTarget, DEFAULT_TENANT_ID};
use common::soft_authenticator::{page_options, SoftAuthenticator};
use common::webhook_receiver::{verified_timestamp, Received, Receiver};
use common::{totp, Page, TestApp, SECRET};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

const GOOGLE_PASSWORD_MANAGER: &str = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";
const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Retries a few milliseconds apart, so the tests don't wait seconds.
fn fast(url: &str) -> WebhookTarget {
    WebhookTarget {
        url: url.to_owned(),
        retry_base: Duration::from_millis(20),
        ..WebhookTarget::default()
    }
}

async fn spawn(target: WebhookTarget) -> TestApp {
    TestApp::spawn_with_webhook(Arc::new(TempDir::new().expect("temp dir")), target).await
}

async fn deliveries(app: &TestApp) -> Vec<Value> {
    let response = app
        .client
        .get(format!("{}/_test/webhooks", app.base))
        .send()
        .await
        .expect("GET /_test/webhooks");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

fn types(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.json["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn sandbox_now(app: &TestApp) -> i64 {
    app.clock.now().unix_timestamp()
}

/// What every delivery must be: JSON, Authsignal's envelope, a signature that verifies
/// with the secret key and a timestamp of when it was sent.
fn assert_authsignal_event(app: &TestApp, received: &Received) {
    assert_eq!(received.content_type, "application/json");
    let signed_at = verified_timestamp(SECRET, &received.signature, &received.body)
        .unwrap_or_else(|| panic!("signature does not verify: {}", received.signature));
    let now = sandbox_now(app);
    // Signed when sent by the sandbox clock: within the SDKs' 5-minute tolerance.
    assert!(
        (now - 300..=now + 1).contains(&signed_at),
        "signed at {signed_at}, now {now}"
    );
    assert_eq!(
        verified_timestamp("another-key", &received.signature, &received.body),
        None
    );
    let event = &received.json;
    assert_eq!(event["version"], 1);
    assert_eq!(event["source"], "https://authsignal.com");
    assert_eq!(event["tenantId"], DEFAULT_TENANT_ID);
    assert_eq!(event["id"].as_str().map(str::len), Some(36), "a UUID");
    assert!(event["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    let keys: Vec<&str> = event
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.len(),
        7,
        "version, id, source, time, tenantId, type, data: {keys:?}"
    );
}

#[tokio::test]
async fn server_api_changes_deliver_signed_events_in_order() {
    let receiver = Receiver::start(&[]).await;
    let app = spawn(fast(&receiver.url)).await;

    let email = app.enroll_email("u1", "jane@example.com").await["authenticator"].clone();
    let (_, sms) = app
        .post(
            "/users/u1/authenticators",
            json!({ "verificationMethod": "SMS", "phoneNumber": "+14155550123" }),
        )
        .await;
    let sms = &sms["authenticator"];
    app.advance(60);
    app.enroll_email("u1", "jane.new@example.com").await;
    app.advance(60);
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            "/users/u1",
            Some(json!({ "defaultVerificationMethod": "SMS" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The same default again, or other fields, change no authenticator.
    app.call(
        reqwest::Method::PATCH,
        "/users/u1",
        Some(json!({ "defaultVerificationMethod": "SMS", "displayName": "Jane" })),
    )
    .await;
    app.advance(60);
    let sms_id = sms["userAuthenticatorId"].as_str().expect("id");
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/users/u1/authenticators/{sms_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let received = receiver.wait_for(6).await;
    assert_eq!(
        types(&received),
        [
            "authenticator.created",
            "authenticator.created",
            "authenticator.updated",
            "authenticator.updated",
            "authenticator.deleted",
            // Deleting the default moved it back to email.
            "authenticator.updated",
        ]
    );
    for r in &received {
        assert_authsignal_event(&app, r);
    }
    let data: Vec<&Value> = received.iter().map(|r| &r.json["data"]).collect();
    assert_eq!(
        *data[0],
        json!({
            "userId": "u1", "verificationMethod": "EMAIL_OTP",
            "createdAt": email["createdAt"], "userAuthenticatorId": email["userAuthenticatorId"],
            "email": "jane@example.com", "isDefault": true,
        })
    );
    assert_eq!(received[0].json["time"], email["createdAt"]);
    assert_eq!(
        *data[1],
        json!({
            "userId": "u1", "verificationMethod": "SMS",
            "createdAt": sms["createdAt"], "userAuthenticatorId": sms_id,
            "phoneNumber": "+14155550123", "isDefault": false,
        })
    );
    // Re-enrolling email replaced its address and kept its id.
    assert_eq!(data[2]["userAuthenticatorId"], email["userAuthenticatorId"]);
    assert_eq!(data[2]["email"], "jane.new@example.com");
    assert_eq!(data[2]["isDefault"], true);
    assert_eq!(data[2]["updatedAt"], received[2].json["time"]);
    assert_ne!(data[2]["updatedAt"], email["createdAt"]);
    assert!(data[2].get("createdAt").is_none());
    // The default change names the authenticator that became the default.
    assert_eq!(data[3]["userAuthenticatorId"], sms_id);
    assert_eq!(data[3]["phoneNumber"], "+14155550123");
    assert_eq!(data[3]["isDefault"], true);
    assert_eq!(
        *data[4],
        json!({
            "userId": "u1", "verificationMethod": "SMS",
            "createdAt": sms["createdAt"], "deletedAt": received[4].json["time"],
            "userAuthenticatorId": sms_id, "phoneNumber": "+14155550123",
        })
    );
    assert_eq!(data[5]["userAuthenticatorId"], email["userAuthenticatorId"]);
    assert_eq!(data[5]["isDefault"], true);

    // Nothing more was sent, and the hook lists each delivery once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 6);
    let listed = deliveries(&app).await;
    let ids: Vec<&Value> = listed.iter().map(|d| &d["id"]).collect();
    let sent: Vec<&Value> = received.iter().map(|r| &r.json["id"]).collect();
    assert_eq!(ids, sent);
    for delivery in &listed {
        assert_eq!(delivery["attempts"], 1, "{delivery}");
        assert_eq!(delivery["delivered"], true);
        assert_eq!(delivery["lastStatus"], 200);
    }
}

/// A manage visit opened in the pre-built UI.
async fn open_manage(app: &TestApp, user_id: &str) -> Page {
    let tracked = app.track_manage(user_id).await;
    app.open(tracked["url"].as_str().expect("url")).await
}

/// Registers a Google Password Manager passkey from Chrome on Windows in the UI.
async fn register_passkey(app: &TestApp, s: &str) -> Page {
    let origin = app.base.trim_end_matches("/sandbox").to_owned();
    let mut key = SoftAuthenticator::new(&origin, GOOGLE_PASSWORD_MANAGER, true);
    let form = app.screen("/enroll/passkey", s).await;
    let created = key.create(&page_options(&form.html));
    let response = app
        .client
        .post(format!("{}/ui/enroll/passkey", app.base))
        .header("user-agent", CHROME_ON_WINDOWS)
        .form(&[
            ("s", s),
            ("credential", &created.to_string()),
            ("authenticatorAttachment", "platform"),
        ])
        .send()
        .await
        .expect("POST");
    app.follow(response).await
}

#[tokio::test]
async fn prebuilt_ui_enroll_set_default_and_remove_deliver_events() {
    let receiver = Receiver::start(&[]).await;
    let app = spawn(fast(&receiver.url)).await;
    let choice = open_manage(&app, "u1").await;
    let s = choice.s();
    let settings = register_passkey(&app, &s).await;
    assert!(settings.has("Authenticator added."), "{}", settings.html);
    app.submit("/enroll/email", &[("s", &s), ("email", "ada@example.com")])
        .await;
    let code = app.latest_code("ada@example.com").await;
    let settings = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    let email_id = settings.authenticator_id("Email");
    let passkey_id = settings.authenticator_id("Passkey");
    let updated = app
        .submit(
            "/settings/default",
            &[("s", &s), ("authenticatorId", &email_id)],
        )
        .await;
    assert!(updated.has("Default method updated."));
    let removed = app
        .submit(
            "/settings/remove",
            &[("s", &s), ("authenticatorId", &passkey_id)],
        )
        .await;
    assert!(removed.has("Authenticator removed."), "{}", removed.html);

    let received = receiver.wait_for(4).await;
    assert_eq!(
        types(&received),
        [
            "authenticator.created",
            "authenticator.created",
            "authenticator.updated",
            "authenticator.deleted",
        ]
    );
    for r in &received {
        assert_authsignal_event(&app, r);
    }
    let passkey = &received[0].json["data"];
    assert_eq!(passkey["verificationMethod"], "PASSKEY");
    assert_eq!(passkey["userAuthenticatorId"], passkey_id);
    assert_eq!(passkey["aaguid"], GOOGLE_PASSWORD_MANAGER);
    assert_eq!(passkey["credentialName"], "Google Password Manager");
    assert!(passkey["credentialId"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    assert_eq!(passkey["isDefault"], true);
    assert!(passkey.get("email").is_none());
    let email = &received[1].json["data"];
    assert_eq!(email["email"], "ada@example.com");
    assert_eq!(email["isDefault"], false);
    let default = &received[2].json["data"];
    assert_eq!(default["userAuthenticatorId"], email_id);
    assert_eq!(default["isDefault"], true);
    let deleted = &received[3].json["data"];
    assert_eq!(deleted["userAuthenticatorId"], passkey_id);
    assert_eq!(deleted["credentialName"], "Google Password Manager");
    assert_eq!(deleted["credentialId"], passkey["credentialId"]);
}

#[tokio::test]
async fn client_api_enrollment_delivers_authenticator_created() {
    let receiver = Receiver::start(&[]).await;
    let app = spawn(fast(&receiver.url)).await;
    let token = app.track("cu-1", "enroll", json!({})).await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let bearer = format!("Bearer {token}");
    let enrolled: Value = app
        .client
        .post(app.api("/client/user-authenticators/totp"))
        .header("authorization", &bearer)
        .json(&json!({}))
        .send()
        .await
        .expect("enroll")
        .json()
        .await
        .expect("JSON");
    let code = totp(
        enrolled["secret"].as_str().expect("secret"),
        sandbox_now(&app),
    );
    let verified: Value = app
        .client
        .post(app.api("/client/verify/totp"))
        .header("authorization", &bearer)
        .json(&json!({ "verificationCode": code }))
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("JSON");
    assert_eq!(verified["isVerified"], true, "{verified}");

    let received = receiver.wait_for(1).await;
    assert_authsignal_event(&app, &received[0]);
    let data = &received[0].json["data"];
    assert_eq!(received[0].json["type"], "authenticator.created");
    assert_eq!(data["verificationMethod"], "AUTHENTICATOR_APP");
    assert_eq!(data["userAuthenticatorId"], enrolled["userAuthenticatorId"]);
    assert_eq!(data["userId"], "cu-1");
    assert_eq!(data["isDefault"], true);
    assert!(
        !received[0]
            .body
            .contains(enrolled["secret"].as_str().expect("secret")),
        "the TOTP secret is never sent"
    );
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_event_again_and_later_events_wait_their_turn() {
    let receiver = Receiver::start(&[500, 500]).await;
    let app = spawn(fast(&receiver.url)).await;
    app.enroll_email("u1", "first@example.com").await;
    app.enroll_email("u2", "second@example.com").await;
    app.enroll_email("u3", "third@example.com").await;

    let received = receiver.wait_for(5).await;
    let ids: Vec<&Value> = received.iter().map(|r| &r.json["id"]).collect();
    let users: Vec<&Value> = received.iter().map(|r| &r.json["data"]["userId"]).collect();
    assert_eq!(users, ["u1", "u1", "u1", "u2", "u3"]);
    assert!(ids[0] == ids[1] && ids[1] == ids[2], "one event, retried");
    assert_eq!(
        received[0].body, received[2].body,
        "the same body each time"
    );
    for r in &received {
        assert_authsignal_event(&app, r);
    }

    let listed = deliveries(&app).await;
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["id"], *ids[0]);
    assert_eq!(listed[0]["type"], "authenticator.created");
    assert_eq!(listed[0]["attempts"], 3);
    assert_eq!(listed[0]["delivered"], true);
    assert_eq!(listed[0]["lastStatus"], 200);
    assert_eq!(listed[1]["attempts"], 1);
}

/// Polls the hook until `done` holds for the first delivery (up to 10 s).
async fn first_delivery_when(app: &TestApp, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..500 {
        if let Some(first) = deliveries(app).await.first().filter(|d| done(d)) {
            return first.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never reached: {:?}", deliveries(app).await);
}

/// A port nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/webhooks/authsignal")
}

#[tokio::test]
async fn an_unreachable_receiver_is_given_up_on_after_the_last_attempt() {
    let target = WebhookTarget {
        max_attempts: 2,
        ..fast(&closed_port_url().await)
    };
    let app = spawn(target).await;
    app.enroll_email("u1", "jane@example.com").await;
    let given_up = first_delivery_when(&app, |d| d["abandoned"] == true).await;
    assert_eq!(given_up["attempts"], 2);
    assert_eq!(given_up["delivered"], false);
    assert_eq!(given_up["lastStatus"], Value::Null);
    assert!(given_up["lastError"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
}

#[tokio::test]
async fn pending_events_survive_a_restart() {
    let db_dir = Arc::new(TempDir::new().expect("temp dir"));
    let receiver_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/webhooks/authsignal",
        receiver_listener.local_addr().expect("addr")
    );
    // The receiver is down: nothing listens on its port yet.
    drop(receiver_listener);
    let slow = WebhookTarget {
        retry_base: Duration::from_secs(600),
        ..WebhookTarget::new(&url)
    };
    let first = TestApp::spawn_with_webhook(db_dir.clone(), slow).await;
    first.enroll_email("u1", "jane@example.com").await;
    let pending = first_delivery_when(&first, |d| d["attempts"] == 1).await;
    assert_eq!(pending["delivered"], false);
    drop(first);

    let receiver = match tokio::net::TcpListener::bind(url_addr(&url)).await {
        Ok(listener) => Receiver::serve(listener, &[]),
        // The port was taken meanwhile: nothing to prove on this run.
        Err(_) => return,
    };
    let second = TestApp::spawn_with_webhook(db_dir, fast(&receiver.url)).await;
    let received = receiver.wait_for(1).await;
    assert_eq!(received[0].json["id"], pending["id"]);
    assert_eq!(received[0].json["data"]["email"], "jane@example.com");
    let delivered = first_delivery_when(&second, |d| d["delivered"] == true).await;
    assert_eq!(delivered["attempts"], 2);
}

fn url_addr(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn without_a_webhook_nothing_is_queued() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    assert_eq!(deliveries(&app).await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_target_that_cannot_work_is_refused_and_leaves_webhooks_off() {
    for bad in ["ftp://example.com/hook", "not a url", ""] {
        assert!(
            WebhookTarget::new(bad).validate().is_err(),
            "{bad:?} accepted"
        );
    }
    let no_attempts = WebhookTarget {
        max_attempts: 0,
        ..WebhookTarget::new("http://127.0.0.1:1/hook")
    };
    assert!(no_attempts.validate().is_err());
    assert!(WebhookTarget::new("https://hooks.example/authsignal")
        .validate()
        .is_ok());

    let app = spawn(WebhookTarget::new("ftp://example.com/hook")).await;
    app.enroll_email("u1", "jane@example.com").await;
    assert_eq!(deliveries(&app).await, Vec::<Value>::new());
}
