//! The two-step sign-in state machine, over HTTP against the embedded sandbox.

use crate::support;

use serde_json::json;
use support::{
    location, pass_email_challenge, spawn_app_with_test_hooks, unique_email, TestApp, PASSWORD,
};

async fn app_with_customer() -> (TestApp, String) {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    // Visiting the account page is when the storefront learns the enrollment state.
    app.get_html("/account").await;
    app.post_form("/signout", &[]).await;
    (app, email)
}

async fn is_signed_in(app: &TestApp) -> bool {
    app.get("/account").await.status() == 200
}

/// Password accepted, challenge required: returns the pre-built UI's challenge URL.
async fn start_challenge(app: &TestApp, email: &str) -> String {
    let response = app
        .post_form(
            "/signin",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/account?tab=security"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let url = location(&response);
    assert!(
        url.starts_with(&format!("{}/sandbox/ui", app.address)),
        "sent to the challenge: {url}"
    );
    url
}

async fn sign_in_message(app: &TestApp) -> String {
    app.get_html("/signin").await
}

#[tokio::test]
async fn a_customer_with_nothing_enrolled_signs_in_with_the_password_alone() {
    let (app, email) = app_with_customer().await;
    let response = app.sign_in(&email, PASSWORD).await;
    assert_eq!(location(&response), "/account");
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Signed in with password"),
        "the sign-in is in the security activity"
    );
}

#[tokio::test]
async fn an_enrolled_customer_is_not_signed_in_until_the_challenge_is_passed() {
    let (app, email) = app_with_customer().await;
    app.enroll_email(&email).await;

    let url = start_challenge(&app, &email).await;
    assert!(!is_signed_in(&app).await, "a password alone is not enough");

    let back = pass_email_challenge(&app, &app.client, &url, &email).await;
    assert!(
        back.starts_with(&format!("{}/signin/return?token=", app.address)),
        "{back}"
    );
    let response = app.client.get(&back).send().await.unwrap();
    assert_eq!(
        location(&response),
        "/account?tab=security",
        "lands where they asked to go"
    );
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("a new session id")
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("storefront_session="));
    let html = app.get_html("/account").await;
    assert!(html.contains("Signed in with password and Email"));

    // The same token again: nothing pending, refused, and it signs nobody in.
    app.post_form("/signout", &[]).await;
    let replay = app.client.get(&back).send().await.unwrap();
    assert_eq!(location(&replay), "/signin");
    assert!(sign_in_message(&app)
        .await
        .contains("expired or was already completed"));
    assert!(!is_signed_in(&app).await);
}

#[tokio::test]
async fn a_garbage_or_missing_token_is_refused_and_uses_up_the_pending_sign_in() {
    let (app, email) = app_with_customer().await;
    app.enroll_email(&email).await;

    start_challenge(&app, &email).await;
    let response = app.get("/signin/return?token=garbage").await;
    assert_eq!(location(&response), "/signin");
    let message = sign_in_message(&app).await;
    assert!(
        message.contains("We couldn&#39;t verify it&#39;s you")
            || message.contains("We couldn't verify it's you"),
        "{message}"
    );
    assert!(!is_signed_in(&app).await);

    let again = app.get("/signin/return").await;
    assert_eq!(location(&again), "/signin");
    assert!(sign_in_message(&app)
        .await
        .contains("expired or was already completed"));
}

#[tokio::test]
async fn another_customers_token_does_not_complete_my_sign_in() {
    let (app, mine) = app_with_customer().await;
    app.enroll_email(&mine).await;
    let other = unique_email();
    app.sign_up(&other, "Mallory", PASSWORD).await;
    app.get_html("/account").await;
    app.post_form("/signout", &[]).await;
    app.enroll_email(&other).await;

    // Mallory passes her own challenge but keeps the token.
    let url = start_challenge(&app, &other).await;
    let stolen = pass_email_challenge(&app, &app.client, &url, &other).await;

    // I start signing in, and the stolen token is presented for my pending sign-in.
    start_challenge(&app, &mine).await;
    let response = app.client.get(&stolen).send().await.unwrap();
    assert_eq!(location(&response), "/signin");
    assert!(!is_signed_in(&app).await);
}

#[tokio::test]
async fn when_authsignal_is_down_enrolled_customers_are_refused_and_others_are_not() {
    let (app, unenrolled) = app_with_customer().await;
    let enrolled = unique_email();
    app.sign_up(&enrolled, "Grace", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    app.enroll_email(&enrolled).await;
    start_challenge(&app, &enrolled).await; // the storefront now knows she is enrolled

    app.set_fault(json!({"route": "track", "status": 503}))
        .await;
    let response = app.sign_in(&enrolled, PASSWORD).await;
    assert!(location(&response).starts_with("/signin"));
    assert!(sign_in_message(&app)
        .await
        .contains("Two-step sign-in is temporarily unavailable"));
    assert!(!is_signed_in(&app).await, "fails closed: no session");

    let response = app.sign_in(&unenrolled, PASSWORD).await;
    assert_eq!(
        location(&response),
        "/account",
        "nothing enrolled: not affected"
    );
}

#[tokio::test]
async fn a_customer_never_checked_is_treated_as_enrolled_when_authsignal_is_down() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.set_fault(json!({"route": "*", "status": 503})).await;
    app.sign_up(&email, "Ada", PASSWORD).await; // the account page couldn't ask Authsignal
    app.post_form("/signout", &[]).await;
    app.sign_in(&email, PASSWORD).await;
    assert!(!is_signed_in(&app).await);
}

#[tokio::test]
async fn an_abandoned_challenge_is_replaced_by_a_fresh_sign_in() {
    let (app, email) = app_with_customer().await;
    app.enroll_email(&email).await;
    start_challenge(&app, &email).await; // abandoned
    let url = start_challenge(&app, &email).await;
    let back = pass_email_challenge(&app, &app.client, &url, &email).await;
    let response = app.client.get(&back).send().await.unwrap();
    assert_eq!(location(&response), "/account?tab=security");
    assert!(is_signed_in(&app).await);
}
