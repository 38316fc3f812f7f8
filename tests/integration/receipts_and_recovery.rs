//! Issue 17: Authsignal's webhooks name every authenticator change in the activity and mail
//! a receipt (to a real SMTP server process); the customer sees and ends their sessions on
//! every session store; "This wasn't me" and "Forgot password?" get an account back.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use support::mail::MailServer;
use support::{
    browser, free_port, link_in, location, new_client, pass_email_challenge, postgres_database,
    redis_url, spawn_app, spawn_app_sharing, spawn_app_with, token_in, unique_email, TestApp,
    FIREFOX_LINUX, PASSWORD,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

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

/// Two browsers of one customer: each sees both sessions, the current one marked; one ends
/// the other, then everywhere else.
async fn devices_are_listed_and_ended(app: &TestApp) {
    let email = unique_email();
    let first = browser("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");
    let response = app.sign_up_with(&first, &email, "Ada", PASSWORD).await;
    assert_eq!(location(&response), "/account");
    let second = browser(FIREFOX_LINUX);
    assert_eq!(
        location(&app.sign_in_with(&second, &email, PASSWORD).await),
        "/account"
    );
    // The new browser's receipt is queued in this backend's database.
    let kept = app.dev_mailbox(&email).await;
    assert!(
        kept.iter().any(|m| m["subject"]
            .as_str()
            .unwrap()
            .contains("new sign-in from Firefox on Linux")),
        "{kept:?}"
    );

    let html = app.account_page(&first).await.text().await.unwrap();
    assert!(html.contains("Signed-in devices"));
    assert!(html.contains("Chrome on macOS") && html.contains("Firefox on Linux"));
    assert_eq!(html.matches("This device").count(), 1);
    assert!(html.contains("127.0.0.x"));
    assert!(html.contains("Sign out everywhere else"));
    let handle = support::form_value(&html, "device");

    let response = first
        .post(app.url("/account/devices/sign-out"))
        .form(&[("device", handle.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let html = app.account_page(&first).await.text().await.unwrap();
    assert!(html.contains("Firefox on Linux was signed out."));
    assert!(!html.contains("Sign out everywhere else"));
    assert_eq!(
        app.account_page(&second).await.status(),
        303,
        "the other browser is signed out"
    );
    // Naming a session by a made-up or foreign handle ends nothing.
    let response = first
        .post(app.url("/account/devices/sign-out"))
        .form(&[("device", "0123456789abcdef01234567")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(app.account_page(&first).await.status(), 200);

    app.sign_in_with(&second, &email, PASSWORD).await;
    let third = browser(FIREFOX_LINUX);
    app.sign_in_with(&third, &email, PASSWORD).await;
    let response = first
        .post(app.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let html = app.account_page(&first).await.text().await.unwrap();
    assert!(html.contains("2 other devices were signed out."), "{html}");
    assert_eq!(app.account_page(&second).await.status(), 303);
    assert_eq!(app.account_page(&third).await.status(), 303);
    assert_eq!(
        app.account_page(&first).await.status(),
        200,
        "this device stays signed in"
    );
    // A signed-out browser's own session drops out of the list.
    first.post(app.url("/signout")).send().await.unwrap();
    let again = browser(FIREFOX_LINUX);
    app.sign_in_with(&again, &email, PASSWORD).await;
    let html = app.account_page(&again).await.text().await.unwrap();
    assert!(
        html.contains("This is the only device signed in to your account."),
        "{html}"
    );
    assert_eq!(html.matches("This device").count(), 1);
}

#[tokio::test]
async fn signed_in_devices_on_sqlite_postgres_and_redis() {
    devices_are_listed_and_ended(&spawn_app().await).await;

    let database = postgres_database().await;
    let postgres = spawn_app_sharing(
        Arc::new(tempfile::tempdir().unwrap()),
        &[("DATABASE_URL", database.url.as_str())],
    )
    .await;
    devices_are_listed_and_ended(&postgres).await;

    let redis = redis_url();
    let with_redis = spawn_app_sharing(
        Arc::new(tempfile::tempdir().unwrap()),
        &[
            ("REDIS_URL", redis.as_str()),
            ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "10000"),
            ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
        ],
    )
    .await;
    devices_are_listed_and_ended(&with_redis).await;
}

#[tokio::test]
async fn a_new_browser_gets_a_receipt_and_this_wasnt_me_signs_out_everywhere() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[("STOREFRONT_SMTP_URL", &mail.url())]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    // The browser that signed up is known: signing in there again sends nothing.
    app.client.post(app.url("/signout")).send().await.unwrap();
    app.sign_in(&email, PASSWORD).await;

    let intruder = browser(FIREFOX_LINUX);
    app.sign_in_with(&intruder, &email, PASSWORD).await;
    let receipt = mail
        .wait_for(&email, "new sign-in from Firefox on Linux")
        .await;
    assert!(receipt.text.contains("Network: 127.0.0.x"));
    assert_eq!(
        mail.to(&email, "new sign-in").len(),
        1,
        "only the new browser"
    );

    // Opening the link changes nothing (mail scanners open links); the button does.
    let not_me = app.path_of(&receipt.link(&app.url("/not-me?token=")));
    let visitor = new_client();
    let page = app.page_html(&visitor, &not_me).await;
    assert!(page.contains("Sign out everywhere and choose a new password"));
    assert_eq!(app.account_page(&intruder).await.status(), 200);

    let token = token_in(&not_me);
    let response = visitor
        .post(app.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let reset = location(&response);
    assert!(reset.starts_with("/reset-password?token="), "{reset}");
    assert_eq!(
        app.account_page(&intruder).await.status(),
        303,
        "the other browser is out"
    );
    assert_eq!(
        app.account_page(&app.client).await.status(),
        303,
        "and so is this one"
    );
    let html = app.page_html(&visitor, &reset).await;
    assert!(html.contains("signed out on every device") && html.contains("Set new password"));

    // The link works once.
    let response = visitor
        .post(app.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/forgot-password");
    let reset_token = token_in(&reset);
    let response = visitor
        .post(app.url("/reset-password"))
        .form(&[("token", reset_token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/signin?reset=1");
    assert_eq!(
        location(&app.sign_in_with(&new_client(), &email, NEW_PASSWORD).await),
        "/account"
    );
    app.sign_in(&email, NEW_PASSWORD).await;
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Reported") && html.contains("every device was signed out"),
        "{html}"
    );
}

#[tokio::test]
async fn forgot_password_answers_alike_resets_once_and_ends_every_session() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[("STOREFRONT_SMTP_URL", &mail.url())]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let html = app.page_html(&new_client(), "/signin").await;
    assert!(html.contains("Forgot password?"));

    let ask = |email: String| {
        let client = new_client();
        let url = app.url("/forgot-password");
        async move {
            client
                .post(url)
                .form(&[("email", email.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let known = ask(email.clone()).await;
    let unknown = ask(unique_email()).await;
    assert_eq!(known.status(), 303);
    assert_eq!(
        location(&known),
        location(&unknown),
        "the same answer either way"
    );
    let letter = mail.wait_for(&email, "reset your password").await;
    assert!(letter.text.contains("15 minutes"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail.received().len(), 1, "nothing for the unknown address");

    let link = app.path_of(&letter.link(&app.url("/reset-password?token=")));
    let token = token_in(&link);
    let visitor = new_client();
    // A too-short password is refused; the link still works afterwards.
    let response = visitor
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", "short")])
        .send()
        .await
        .unwrap();
    assert!(location(&response).starts_with("/reset-password?token="));
    // Two tabs submit at once: exactly one reset happens.
    let submit = || {
        visitor
            .post(app.url("/reset-password"))
            .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
            .send()
    };
    let (a, b) = tokio::join!(submit(), submit());
    let mut outcomes = [location(&a.unwrap()), location(&b.unwrap())];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            "/forgot-password".to_string(),
            "/signin?reset=1".to_string()
        ]
    );

    assert_eq!(
        app.account_page(&app.client).await.status(),
        303,
        "every session ended"
    );
    assert_eq!(
        location(&app.sign_in(&email, PASSWORD).await),
        "/signin?next=%2Faccount"
    );
    assert_eq!(
        location(&app.sign_in(&email, NEW_PASSWORD).await),
        "/account"
    );
    let receipt = mail.wait_for(&email, "your password was changed").await;
    assert!(receipt.text.contains("This wasn't me"));
    assert!(app
        .get_html("/account")
        .await
        .contains("Password changed with an email link"));
    let html = app.page_html(&new_client(), &link).await;
    assert!(html.contains("expired or was already used"));
}

#[tokio::test]
async fn an_enrolled_reset_needs_a_challenge_and_fails_closed_while_authsignal_is_down() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[
        ("STOREFRONT_SMTP_URL", &mail.url()),
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
    ])
    .await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    app.wait_for_activity("Added Email").await;

    new_client()
        .post(app.url("/forgot-password"))
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    let letter = mail.wait_for(&email, "reset your password").await;
    let token = token_in(&letter.link(&app.url("/reset-password?token=")));
    let visitor = new_client();
    let reset = || {
        visitor
            .post(app.url("/reset-password"))
            .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
            .send()
    };

    // Authsignal down: nothing changes, and the customer is told so.
    app.set_fault(json!({"route": "*", "status": 503})).await;
    let response = reset().await.unwrap();
    assert!(location(&response).starts_with("/reset-password?token="));
    let html = app.page_html(&visitor, &location(&response)).await;
    assert!(html.contains("your password was not changed"), "{html}");
    app.clear_faults().await;
    assert!(
        location(&app.sign_in(&email, PASSWORD).await).contains("/sandbox/"),
        "old password still works (two-step)"
    );

    // Up again: the reset goes through Authsignal's challenge first.
    let response = reset().await.unwrap();
    let challenge = location(&response);
    assert!(challenge.contains("/sandbox/"), "{challenge}");
    let back = pass_email_challenge(&app, &visitor, &challenge, &email).await;
    assert!(back.contains("/reset-password/return?token="), "{back}");
    let response = visitor.get(&back).send().await.unwrap();
    assert_eq!(location(&response), "/signin?reset=1");
    let response = app.sign_in_with(&new_client(), &email, NEW_PASSWORD).await;
    assert!(
        location(&response).contains("/sandbox/"),
        "the new password leads to the second step"
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
async fn this_wasnt_me_on_an_added_authenticator_removes_it() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    // Someone with the password adds their own second step.
    app.enroll_sms(&user_id, "+64279999888").await;
    app.wait_for_activity("Added SMS (+64 27 … 888)").await;
    let receipt = app.wait_for_mail(&email, "Added SMS").await;
    let token = token_in(&link_in(&receipt, "/not-me?token="));

    let owner = new_client();
    let response = owner
        .post(app.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    // Nothing is left to challenge a reset with: the account waits for support.
    assert!(location(&response).starts_with("/forgot-password"));
    let left = app
        .sandbox_api(
            Method::GET,
            &format!("/users/{user_id}/authenticators"),
            None,
        )
        .await;
    assert_eq!(left, json!([]), "the intruder's SMS is gone");
    assert!(app.user_store().await.release_hold(&user_id).await.unwrap());
    app.sign_in(&email, PASSWORD).await;
    app.wait_for_activity("the added authenticator removed")
        .await;
}

#[tokio::test]
async fn sessions_from_before_a_reset_are_swept_by_their_stamp() {
    use storefront::server::sessions::store::SessionBackend;
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    let early = browser(FIREFOX_LINUX);
    app.sign_in_with(&early, &email, PASSWORD).await;
    // The stamp changes (as a reset does) and a sign-in under the new one follows.
    let stamp = app
        .user_store()
        .await
        .rotate_security_stamp(&user_id)
        .await
        .unwrap();
    let later = browser(FIREFOX_LINUX);
    app.sign_in_with(&later, &email, PASSWORD).await;

    let sessions = SessionBackend::connect(&app.sqlite_url(), None)
        .await
        .unwrap();
    let ended = sessions
        .end_sessions_with_stale_stamp(&user_id, &stamp)
        .await
        .unwrap();
    assert_eq!(ended, 2, "the sign-up's and the early sign-in's");
    assert_eq!(app.account_page(&early).await.status(), 303);
    assert_eq!(app.account_page(&app.client).await.status(), 303);
    assert_eq!(app.account_page(&later).await.status(), 200);
}

#[tokio::test]
async fn sessions_stored_before_the_index_existed_are_indexed_at_start() {
    let first = spawn_app().await;
    let email = unique_email();
    first.sign_up(&email, "Ada", PASSWORD).await;
    first.stop().await;
    // As after an upgrade from a version without the index.
    let pool = sqlx::SqlitePool::connect(&first.sqlite_url())
        .await
        .unwrap();
    sqlx::query("DROP TABLE session_owners")
        .execute(&pool)
        .await
        .unwrap();
    let second = spawn_app_sharing(first.data.clone(), &[]).await;
    let other = browser(FIREFOX_LINUX);
    second.sign_in_with(&other, &email, PASSWORD).await;
    let html = second.account_page(&other).await.text().await.unwrap();
    assert!(
        html.contains("Sign out everywhere else"),
        "the older session is listed"
    );
    other
        .post(second.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        second.account_page(&first.client).await.status(),
        303,
        "and it was ended"
    );
}
