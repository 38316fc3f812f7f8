//! The one Authsignal round trip (issue 15): every purpose comes back through a real return
//! route, a second customer on the same browser inherits nothing, Manage right after a
//! challenge skips the second one (by Authsignal's clock), and popup mode completes the same way.

use crate::support;

use serde_json::json;
use support::{
    follow_redirects, location, pass_email_challenge, spawn_app_with, spawn_app_with_test_hooks,
    unique_email, TestApp, PASSWORD,
};

/// A customer with an email authenticator, signed in through the two-step challenge.
async fn signed_in_with_challenge(app: &TestApp) -> (String, String) {
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.post_form("/signout", &[]).await;
    let challenge = location(&app.sign_in(&email, PASSWORD).await);
    assert!(
        challenge.contains("/sandbox/ui"),
        "challenged at sign-in: {challenge}"
    );
    let back = pass_email_challenge(app, &app.client, &challenge, &email).await;
    assert!(
        back.starts_with(&app.url("/signin/return?token=")),
        "{back}"
    );
    assert_eq!(
        location(&app.client.get(&back).send().await.unwrap()),
        "/account"
    );
    (email, user_id)
}

/// Presses Manage as the hydrated page does; the pre-built UI URL it answers.
async fn press_manage(app: &TestApp) -> String {
    let response = app
        .client
        .post(app.url("/api/launch_authenticator_settings"))
        .header("accept", "application/json")
        .form(&[("intent", "Manage")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Follows the pre-built UI's redirects from `url`; the page it settles on.
async fn open_ui(app: &TestApp, url: &str) -> String {
    follow_redirects(&app.client, url)
        .await
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn manage_right_after_a_two_step_sign_in_opens_the_settings_without_a_second_challenge() {
    let app = spawn_app_with_test_hooks().await;
    let (_, user_id) = signed_in_with_challenge(&app).await;

    let page = open_ui(&app, &press_manage(&app).await).await;
    assert!(
        page.contains("Your authenticators"),
        "straight to the settings screen"
    );
    assert!(
        !page.contains("Verify it&#39;s you") && !page.contains("Verify it's you"),
        "no second challenge"
    );
    let account = app.get_html("/account").await;
    assert!(
        account.contains("no second challenge"),
        "the activity says which happened"
    );

    // Done: the return is accepted, though no challenge happened in this visit.
    let s = support::form_value(&page, "s");
    let done = app
        .client
        .post(app.url("/sandbox/ui/done"))
        .form(&[("s", s.as_str())])
        .send()
        .await
        .unwrap();
    let back = location(&done);
    assert!(
        back.starts_with(&app.url("/account/return?token=")),
        "{back}"
    );
    assert_eq!(
        location(&app.client.get(&back).send().await.unwrap()),
        "/account"
    );
    assert!(app
        .get_html("/account")
        .await
        .contains("Your authenticators were updated."));

    // Eleven minutes later by Authsignal's clock (the sandbox's test clock): challenged again.
    let moved = app
        .client
        .post(app.url("/sandbox/_test/clock/advance"))
        .json(&json!({"seconds": 660, "userId": user_id}))
        .send()
        .await
        .unwrap();
    assert!(moved.status().is_success());
    let page = open_ui(&app, &press_manage(&app).await).await;
    assert!(
        !page.contains("Your authenticators"),
        "challenged first: {page}"
    );
    assert!(app.get_html("/account").await.contains("(challenge first)"));
}

#[tokio::test]
async fn without_a_recent_challenge_manage_sends_no_scopes() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    // Signed in at sign-up (no challenge): the settings screen needs one first.
    let page = open_ui(&app, &press_manage(&app).await).await;
    assert!(
        !page.contains("Your authenticators"),
        "challenged before the settings screen"
    );
    assert!(app.get_html("/account").await.contains("(challenge first)"));
}

#[tokio::test]
async fn a_second_customer_on_the_same_browser_inherits_nothing() {
    let app = spawn_app_with_test_hooks().await;
    let (_, _) = signed_in_with_challenge(&app).await;
    // The first customer launches (pending) and is verified (two-step sign-in).
    press_manage(&app).await;
    let second = unique_email();
    let other = support::new_client();
    app.sign_up_with(&other, &second, "Bob", PASSWORD).await;
    app.sandbox_api(
        reqwest::Method::POST,
        &format!("/users/{}/authenticators", app.user_id(&second).await),
        Some(json!({"verificationMethod": "EMAIL_OTP", "email": second})),
    )
    .await;

    // Bob signs in on Ada's browser without Ada signing out (two-step: he passes his challenge).
    let challenge = location(&app.sign_in(&second, PASSWORD).await);
    let back = pass_email_challenge(&app, &app.client, &challenge, &second).await;
    app.client.get(&back).send().await.unwrap();
    let html = app.get_html("/account").await;
    assert!(html.contains("Bob") && !html.contains("Ada"), "Bob's page");

    // Ada's pending launch is gone: a return now finds nothing pending.
    assert_eq!(
        location(&app.get("/account/return?token=anything").await),
        "/account"
    );
    assert!(app
        .get_html("/account")
        .await
        .contains("confirm that change"));
    let activity_lines = app
        .get_html("/account")
        .await
        .matches("was refused")
        .count();
    assert_eq!(activity_lines, 0, "nothing pending, no activity line");
}

#[tokio::test]
async fn a_verification_is_only_ever_for_the_customer_who_passed_it() {
    let app = spawn_app_with_test_hooks().await;
    let (_, _) = signed_in_with_challenge(&app).await;
    app.post_form("/signout", &[]).await;
    // Another customer signs up on the same browser right after: not "verified recently".
    let email = unique_email();
    app.sign_up(&email, "Eve", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.enroll_sms(&user_id, "+64271234568").await;
    let id = app.authenticator_ids(&user_id).await[0].clone();
    let html = app.get_html(&format!("/account?remove={id}")).await;
    assert!(
        html.contains("Verify it&#39;s you") || html.contains("Verify it's you"),
        "must verify first"
    );
}

#[tokio::test]
async fn popup_mode_completes_the_same_round_trip_through_a_server_function() {
    let app = spawn_app_with(&[
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
        ("STOREFRONT_PREBUILT_UI", "popup"),
    ])
    .await;
    let (email, _) = signed_in_with_challenge(&app).await;
    let html = app.get_html("/account").await;
    assert!(
        html.contains(r#"id="prebuilt-ui-status""#),
        "the page has the popup's status line"
    );
    let policy = app.get("/account").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("frame-src 'self' https:"), "{policy}");

    // A garbage token posted by a page script: refused like a garbage redirect return.
    let complete = |token: String| {
        let (client, url) = (app.client.clone(), app.url("/api/complete_prebuilt_ui"));
        async move {
            client
                .post(url)
                .header("accept", "application/json")
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .json::<String>()
                .await
                .unwrap()
        }
    };
    press_manage(&app).await;
    assert_eq!(complete("garbage".into()).await, "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("confirm that change"));

    // The real token, as the sandbox's popup page would post it.
    let page = open_ui(&app, &press_manage(&app).await).await;
    let s = support::form_value(&page, "s");
    let done = app
        .client
        .post(app.url("/sandbox/ui/done"))
        .form(&[("s", s.as_str())])
        .send()
        .await
        .unwrap();
    let token = url::Url::parse(&location(&done))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .to_string();
    assert_eq!(complete(token).await, "/account");
    assert!(
        app.get_html("/account")
            .await
            .contains("Your authenticators were updated."),
        "{email}"
    );
}
