//! Receipts: Authsignal's webhooks (genuine deliveries only, each applied once) name every
//! authenticator change in the security activity and mail a receipt with a way out, to a real
//! SMTP server process; mail that cannot be sent yet is retried.

use crate::support;

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use support::mail::MailServer;
use support::{free_port, new_client, spawn_app, spawn_app_with, unique_email, PASSWORD};

#[tokio::test]
async fn each_authenticator_change_is_named_in_the_activity_and_mailed_with_a_way_out() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[("STOREFRONT_SMTP_URL", &mail.url())]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;

    // Changes made behind the storefront's back (Server API, as the admin CLI makes them)
    // arrive as Authsignal's webhooks.
    let user_id = app.enroll_email(&email).await;
    app.wait_for_activity(&format!("Added Email ({email})"))
        .await;
    let receipt = mail
        .wait_for(&email, &format!("Added Email ({email})"))
        .await;
    assert!(receipt.text.contains("Hello Ada,") && receipt.text.contains("This wasn't me"));
    assert!(
        !receipt.text.contains("Browser:"),
        "no browser started this change: none is named"
    );
    assert!(receipt.html.contains("This wasn&#39;t me") || receipt.html.contains("This wasn't me"));
    let not_me = receipt.link(&app.url("/not-me?token="));
    assert_eq!(not_me.len(), app.url("/not-me?token=").len() + 64);

    let added = app.enroll_sms(&user_id, "+64271234567").await;
    app.wait_for_activity("Added SMS (+64 27 … 567)").await;
    let sms_id = added["authenticator"]["userAuthenticatorId"]
        .as_str()
        .unwrap();
    app.sandbox_api(
        Method::DELETE,
        &format!("/users/{user_id}/authenticators/{sms_id}"),
        None,
    )
    .await;
    let html = app.wait_for_activity("Removed SMS (+64 27 … 567)").await;
    assert!(
        !html.contains("+64271234567"),
        "the activity masks the number"
    );
    mail.wait_for(&email, "Removed SMS").await;
    // One receipt per change, the whole number never in one.
    assert_eq!(mail.to(&email, "Added Email").len(), 1);
    assert!(mail
        .received()
        .iter()
        .all(|m| !m.text.contains("271234567")));
}

fn event_body(user_id: &str, id: &str) -> String {
    json!({
        "version": 1, "type": "authenticator.created", "id": id, "source": "https://authsignal.com",
        "time": "2026-11-30T00:00:00.000Z", "tenantId": "sandbox-tenant",
        "data": {"userId": user_id, "userAuthenticatorId": "auth-1", "verificationMethod": "AUTHENTICATOR_APP",
            "createdAt": "2026-11-30T00:00:00.000Z", "isDefault": true}
    })
    .to_string()
}

#[tokio::test]
async fn unsigned_forged_stale_and_replayed_webhooks_change_nothing() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    let body = event_body(&user_id, "evt_forged_test");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let post = |signature: Option<String>, body: String| {
        let mut request = new_client()
            .post(app.url("/webhooks/authsignal"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-Signature-V2", signature);
        }
        request.send()
    };
    let sign = |key: &str, body: &str, t: i64| authsignal::webhook::sign(key, body.as_bytes(), t);

    let refused = [
        (None, body.clone()),
        (Some(sign("not-the-secret", &body, now)), body.clone()),
        (Some(sign("sandbox-secret", &body, now - 301)), body.clone()),
        (
            Some(sign("sandbox-secret", &body, now)),
            body.replace("AUTHENTICATOR_APP", "SMS"),
        ),
        (Some("t=1,v2=".to_string()), body.clone()),
    ];
    for (signature, body) in refused {
        let response = post(signature.clone(), body).await.unwrap();
        assert_eq!(response.status(), 401, "{signature:?}");
    }
    assert!(!app
        .get_html("/account")
        .await
        .contains("Added Authenticator app"));

    let genuine = sign("sandbox-secret", &body, now);
    assert_eq!(
        post(Some(genuine.clone()), body.clone())
            .await
            .unwrap()
            .status(),
        200
    );
    // The same delivery replayed, in parallel: answered, applied once.
    let replays =
        futures_util::future::join_all((0..5).map(|_| post(Some(genuine.clone()), body.clone())))
            .await;
    assert!(replays.into_iter().all(|r| r.unwrap().status() == 200));
    let html = app.wait_for_activity("Added Authenticator app").await;
    assert_eq!(html.matches("Added Authenticator app").count(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kept = app.dev_mailbox(&email).await;
    assert_eq!(
        kept.iter()
            .filter(|m| m["subject"]
                .as_str()
                .unwrap()
                .contains("Added Authenticator app"))
            .count(),
        1,
        "one receipt: {kept:?}"
    );
}

#[tokio::test]
async fn mail_that_cannot_be_sent_is_retried_and_the_change_stands() {
    let port = free_port();
    let app = spawn_app_with(&[("STOREFRONT_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    app.wait_for_activity(&format!("Added Email ({email})"))
        .await;
    // No mail server yet: the change is recorded; the receipt waits for its retry.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mail = MailServer::start_on(port).await;
    mail.wait_for(&email, "Added Email").await;
}

#[tokio::test]
async fn a_change_after_the_browsers_visit_is_not_named_after_that_browser() {
    let app = support::spawn_app_with_test_hooks().await;
    let (email, user_id) = support::signed_in_with_challenge(&app).await;
    // A settings visit from this browser, done and back.
    let settings = support::follow_redirects(&app.client, &support::press_manage(&app).await)
        .await
        .text()
        .await
        .unwrap();
    let done = support::press_done(&app, &settings).await;
    app.client.get(&done).send().await.unwrap();

    // Then another app (or someone with the API key) adds a phone number.
    app.enroll_sms(&user_id, "+447911123456").await;
    let receipt = app.wait_for_mail(&email, "Added SMS").await;
    let text = receipt["text"].as_str().unwrap();
    assert!(
        !text.contains("Browser:"),
        "not this browser's doing: {text}"
    );
    assert!(text.contains("outside this shop's website"), "{text}");
    assert!(
        text.contains("+44 79 … 456"),
        "masked by its country code: {text}"
    );
}
