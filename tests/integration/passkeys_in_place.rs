//! Passkeys in place (issue 16), the server half: what the add-a-passkey page may do, the
//! ceremony's token and its validation, passkey sign-in's refusals and limits, and the
//! one-line offer after a password sign-in. The ceremonies themselves run in Chromium
//! (end2end/tests/account/passkeys_in_place.spec.ts).

use crate::support;

use support::{location, spawn_app_with, spawn_app_with_test_hooks, unique_email, PASSWORD};

#[tokio::test]
async fn a_customer_with_nothing_enrolled_gets_a_ceremony_without_any_verification() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let (status, step) = app.server_fn_answer("add_passkey_step", &[]).await;
    assert_eq!(
        (status, step["step"].as_str()),
        (200, Some("Ready")),
        "{step}"
    );
    let (status, ceremony) = app.server_fn_answer("start_passkey_enrollment", &[]).await;
    assert_eq!(status, 200, "{ceremony}");
    assert_eq!(ceremony["username"], email.as_str());
    assert_eq!(ceremony["display_name"], "Ada");
    assert_eq!(ceremony["tenant_id"], "sandbox-tenant");
    assert_eq!(ceremony["base_url"], app.url("/sandbox/v1").as_str());
    assert!(ceremony["token"].as_str().is_some_and(|t| t.len() > 20));
}

#[tokio::test]
async fn an_enrolled_customer_without_a_recent_challenge_must_verify_first() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    let (_, step) = app.server_fn_answer("add_passkey_step", &[]).await;
    assert_eq!(step["step"], "VerifyFirst");
    let (status, refused) = app.server_fn_answer("start_passkey_enrollment", &[]).await;
    assert_ne!(status, 200);
    assert!(
        refused["Rejected"]
            .as_str()
            .is_some_and(|m| m.contains("verify it's you")),
        "{refused}"
    );
    let html = app.get_html("/account/add-passkey").await;
    assert!(html.contains("Verify it&#39;s you") || html.contains("Verify it's you"));

    // The verification goes through the pre-built UI and comes back to this page.
    let response = app.post_form("/account/add-passkey/verify", &[]).await;
    let challenge = location(&response);
    assert!(challenge.contains("/sandbox/ui"), "{challenge}");
    let back = support::pass_email_challenge(&app, &app.client, &challenge, &email).await;
    assert_eq!(
        location(&app.client.get(&back).send().await.unwrap()),
        "/account/add-passkey"
    );
    let html = app.get_html("/account/add-passkey").await;
    assert!(html.contains("Create your passkey now"), "{html}");
    let (status, _) = app.server_fn_answer("start_passkey_enrollment", &[]).await;
    assert_eq!(status, 200, "verified: the ceremony may start");
}

#[tokio::test]
async fn a_garbage_or_unlaunched_enrollment_token_is_refused() {
    let app = spawn_app_with_test_hooks().await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let (status, refused) = app
        .server_fn_answer("finish_passkey_enrollment", &[("token", "garbage")])
        .await;
    assert_ne!(status, 200, "nothing pending: {refused}");
    app.server_fn_answer("start_passkey_enrollment", &[]).await;
    let (status, refused) = app
        .server_fn_answer("finish_passkey_enrollment", &[("token", "garbage")])
        .await;
    assert_ne!(status, 200);
    assert!(
        refused["Rejected"]
            .as_str()
            .is_some_and(|m| m.contains("Nothing was changed")),
        "{refused}"
    );
    assert!(
        app.get_html("/account")
            .await
            .contains("Adding a passkey was refused"),
        "one activity line for the launch"
    );
}

#[tokio::test]
async fn failed_passkey_sign_ins_are_refused_and_limited_per_address() {
    let app = spawn_app_with(&[
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
        ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "3"),
    ])
    .await;
    for _ in 0..3 {
        let (status, refused) = app
            .server_fn_answer(
                "finish_passkey_sign_in",
                &[("token", "garbage"), ("next", "/account")],
            )
            .await;
        assert_ne!(status, 200);
        assert!(
            refused["Rejected"]
                .as_str()
                .is_some_and(|m| m.contains("couldn't verify that passkey")),
            "{refused}"
        );
    }
    let (_, blocked) = app
        .server_fn_answer(
            "finish_passkey_sign_in",
            &[("token", "garbage"), ("next", "/account")],
        )
        .await;
    assert!(
        blocked["Rejected"]
            .as_str()
            .is_some_and(|m| m.contains("Too many failed sign-in attempts")),
        "{blocked}"
    );
    assert_eq!(app.get("/account").await.status(), 303, "nobody signed in");
}

#[tokio::test]
async fn the_sign_in_page_offers_passkeys_only_with_the_web_sdk() {
    let app = spawn_app_with_test_hooks().await;
    let html = app.get_html("/signin").await;
    assert!(
        html.contains("Sign in with a passkey")
            && html.contains(r#"autocomplete="username webauthn""#)
    );
    assert!(html.contains("/vendor/authsignal-browser-1.16.0.min.js"));
    let tenant = support::spawn_public_app("https://shop.example").await;
    let html = tenant.get_html("/signin").await;
    assert!(
        !html.contains("Sign in with a passkey"),
        "no tenant id configured: no passkey sign-in"
    );
}

#[tokio::test]
async fn after_a_password_sign_in_a_customer_without_a_passkey_is_offered_one_until_not_now() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    assert!(
        !app.get_html("/account").await.contains("Passkey offer"),
        "not after sign-up"
    );
    app.post_form("/signout", &[]).await;
    app.sign_in(&email, PASSWORD).await;
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Passkey offer") && html.contains("add a passkey to this account"),
        "{html}"
    );
    assert_eq!(
        location(&app.post_form("/account/passkey-offer/dismiss", &[]).await),
        "/account"
    );
    assert!(!app.get_html("/account").await.contains("Passkey offer"));
    app.post_form("/signout", &[]).await;
    app.sign_in(&email, PASSWORD).await;
    assert!(
        !app.get_html("/account").await.contains("Passkey offer"),
        "not repeated once dismissed"
    );
}
