//! Edges an attacker or an unlucky customer meets: reset links nobody else can use up, an
//! inbox nobody can flood, a stranger's return link that cancels nothing, a short inactivity
//! timeout that keeps an active customer signed in, the owner of a taken address told.

use crate::support;

use std::time::Duration;

use support::{location, new_client, pass_email_challenge, spawn_app_with, unique_email, TestApp};

const PASSWORD: &str = "correct horse battery";

/// How many kept mails for `to` have `subject` in their subject, once no more arrive.
async fn settled_count(app: &TestApp, to: &str, subject: &str) -> usize {
    let mut last = usize::MAX;
    for _ in 0..50 {
        let now = app
            .dev_mailbox(to)
            .await
            .iter()
            .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(subject)))
            .count();
        if now == last {
            return now;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    last
}

#[tokio::test]
async fn nobody_can_use_up_a_customers_reset_links_or_flood_their_inbox() {
    let app = spawn_app_with(&[("STOREFRONT_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let email = unique_email();
    // Signing up remembers this browser as the customer's own.
    app.sign_up(&email, "Ada", PASSWORD).await;

    // 200 requests for the customer's address from 50 addresses.
    let stranger = new_client();
    for i in 0..200 {
        let response = stranger
            .post(app.url("/forgot-password"))
            .header("x-forwarded-for", format!("203.0.113.{}", i % 50))
            .form(&[("email", email.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            location(&response),
            "/forgot-password?sent=1",
            "same answer"
        );
    }
    let flood = settled_count(&app, &email, "reset your password").await;
    assert!(
        (1..=5).contains(&flood),
        "a handful at most, whatever the sources: {flood}"
    );

    // The customer, on their own browser, still gets a link of their own.
    let response = app
        .client
        .post(app.url("/forgot-password"))
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/forgot-password?sent=1");
    assert_eq!(
        settled_count(&app, &email, "reset your password").await,
        flood + 1
    );
}

#[tokio::test]
async fn a_strangers_return_link_does_not_cancel_the_customers_launch() {
    let app = spawn_app_with(&[("AUTHSIGNAL_SANDBOX_FAULTS", "1")]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    app.post_form("/signout", &[]).await;
    let challenge = location(&app.sign_in(&email, PASSWORD).await);
    let back = pass_email_challenge(&app, &app.client, &challenge, &email).await;
    app.client.get(&back).send().await.unwrap();

    // Manage, just after the challenge: straight to the settings screen.
    let url: String = app
        .client
        .post(app.url("/api/launch_authenticator_settings"))
        .header("accept", "application/json")
        .form(&[("intent", "Manage")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut response = app.client.get(&url).send().await.unwrap();
    while response.status() == 303 {
        let next = location(&response);
        response = app.client.get(&next).send().await.unwrap();
    }
    let settings = response.text().await.unwrap();
    assert!(settings.contains("Your authenticators"), "{settings}");

    // A link the customer was tricked into opening is refused …
    let response = app.get("/account/return?token=garbage").await;
    assert_eq!(location(&response), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("confirm that change"));

    // … and the real return still completes the launch.
    let s = support::form_value(&settings, "s");
    let done = app
        .client
        .post(app.url("/sandbox/ui/done"))
        .form(&[("s", s.as_str())])
        .send()
        .await
        .unwrap();
    let response = app.client.get(location(&done)).send().await.unwrap();
    assert_eq!(location(&response), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("Your authenticators were updated."));
}

#[tokio::test]
async fn a_short_inactivity_timeout_keeps_an_active_customer_signed_in() {
    let app = spawn_app_with(&[("STOREFRONT_SESSION_INACTIVITY_MINUTES", "1")]).await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    // Active every 35 s for 70 s: longer than the timeout, never idle for as long.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_secs(35)).await;
        let response = app.get("/account").await;
        assert_eq!(response.status(), 200, "still signed in");
    }
}

#[tokio::test]
async fn the_owner_of_a_taken_address_hears_of_a_sign_up_attempt() {
    let app = spawn_app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    new_client()
        .post(app.url("/signup"))
        .form(&[
            ("email", email.as_str()),
            ("name", "Eve"),
            ("password", "another passphrase"),
        ])
        .send()
        .await
        .unwrap();
    let mail = app.wait_for_mail(&email, "tried to sign up").await;
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains("Hello Ada,") && text.contains("/signin"),
        "{text}"
    );
    assert!(
        !text.contains("Eve"),
        "nothing the stranger typed is repeated"
    );
}

/// Deletes `key` from the test Redis (a raw `DEL`: the tests have no Redis client of their own).
async fn redis_del(key: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = support::redis_url();
    let address = url.trim_start_matches("redis://").trim_end_matches('/');
    let mut redis = tokio::net::TcpStream::connect(address).await.unwrap();
    let command = format!("*2\r\n$3\r\nDEL\r\n${}\r\n{key}\r\n", key.len());
    redis.write_all(command.as_bytes()).await.unwrap();
    let mut reply = [0u8; 16];
    let n = redis.read(&mut reply).await.unwrap();
    assert!(reply[..n].starts_with(b":"), "DEL answered");
}

#[tokio::test]
async fn redis_sessions_from_before_the_index_are_listed_and_ended_after_a_restart() {
    let redis = support::redis_url();
    let settings = [
        ("REDIS_URL", redis.as_str()),
        ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "10000"),
        ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
    ];
    let first = spawn_app_with(&settings).await;
    let email = unique_email();
    first.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = first.user_id(&email).await;
    first.stop().await;
    // As a session written before the index existed: in Redis, but in no customer's set.
    redis_del(&format!("storefront:sessions-of:{user_id}")).await;

    let second = support::spawn_app_sharing(first.data.clone(), &settings).await;
    let other = new_client();
    other
        .post(second.url("/signin"))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/account"),
        ])
        .send()
        .await
        .unwrap();
    let html = other
        .get(second.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Sign out everywhere else"),
        "the older session is listed"
    );
    other
        .post(second.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    let old = first
        .client
        .get(second.url("/account"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303, "and it was ended");
}
