//! Each track outcome a tenant can produce, through the storefront's sign-in and launch
//! (issue 19): the sandbox plays the tenant's action configuration through its test hook.

use crate::support;

use support::{
    launch, location, spawn_app_with, spawn_app_with_test_hooks, unique_email, TestApp, PASSWORD,
};

/// An enrolled customer, signed out, on an app with test hooks (and `extra` settings).
async fn enrolled_customer(extra: &[(&str, &str)]) -> (TestApp, String) {
    let mut vars = vec![("AUTHSIGNAL_SANDBOX_FAULTS", "1")];
    vars.extend_from_slice(extra);
    let app = spawn_app_with(&vars).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    app.post_form("/signout", &[]).await;
    (app, email)
}

async fn sign_in_form_after(app: &TestApp, email: &str) -> String {
    let response = app.sign_in(email, PASSWORD).await;
    assert!(
        location(&response).starts_with("/signin"),
        "refused: {}",
        location(&response)
    );
    app.get_html(&location(&response)).await
}

async fn is_signed_in(app: &TestApp) -> bool {
    app.get("/account").await.status() == 200
}

#[tokio::test]
async fn allow_for_an_enrolled_customer_is_refused_by_default() {
    let (app, email) = enrolled_customer(&[]).await;
    app.set_action_outcome("signIn", "ALLOW", false).await;
    let form = sign_in_form_after(&app, &email).await;
    assert!(form.contains("Two-step sign-in can"), "{form}");
    assert!(
        !is_signed_in(&app).await,
        "a password alone never gets an enrolled customer in"
    );
}

#[tokio::test]
async fn allow_for_an_enrolled_customer_is_honoured_when_the_shop_says_so() {
    let (app, email) = enrolled_customer(&[("STOREFRONT_ENROLLED_ALLOW", "honour")]).await;
    app.set_action_outcome("signIn", "ALLOW", false).await;
    assert_eq!(location(&app.sign_in(&email, PASSWORD).await), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("the security settings asked for no second step"));
}

#[tokio::test]
async fn allow_for_a_customer_with_nothing_enrolled_signs_in() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    app.set_action_outcome("signIn", "ALLOW", false).await;
    assert_eq!(location(&app.sign_in(&email, PASSWORD).await), "/account");
}

#[tokio::test]
async fn challenge_sends_the_customer_to_the_challenge() {
    let (app, email) = enrolled_customer(&[]).await;
    app.set_action_outcome("signIn", "CHALLENGE", false).await;
    let response = app.sign_in(&email, PASSWORD).await;
    assert!(
        location(&response).contains("/sandbox/ui"),
        "{}",
        location(&response)
    );
    assert!(!is_signed_in(&app).await);
}

#[tokio::test]
async fn block_refuses_with_a_clear_message() {
    let (app, email) = enrolled_customer(&[]).await;
    app.set_action_outcome("signIn", "BLOCK", false).await;
    let form = sign_in_form_after(&app, &email).await;
    assert!(form.contains("this sign-in was blocked"), "{form}");
    assert!(!is_signed_in(&app).await);
}

#[tokio::test]
async fn review_refuses_and_says_support_will_look_at_it() {
    let (app, email) = enrolled_customer(&[]).await;
    app.set_action_outcome("signIn", "REVIEW", false).await;
    let form = sign_in_form_after(&app, &email).await;
    assert!(form.contains("needs a check by our support team"), "{form}");
    assert!(!is_signed_in(&app).await);
    // Once support changes the rule, the customer signs in with the usual challenge.
    app.set_action_outcome("signIn", "ALLOW", true).await;
    assert!(location(&app.sign_in(&email, PASSWORD).await).contains("/sandbox/ui"));
}

#[tokio::test]
async fn a_blocked_or_reviewed_change_never_reaches_the_pre_built_ui() {
    let app = spawn_app_with_test_hooks().await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    for (outcome, words) in [
        ("BLOCK", "this change was blocked"),
        ("REVIEW", "needs a check by our support team"),
    ] {
        app.set_action_outcome("enroll", outcome, false).await;
        assert_eq!(
            launch(&app.client, &app).await,
            "/account",
            "{outcome}: back to the page"
        );
        let html = app.get_html("/account").await;
        assert!(html.contains(words), "{outcome}: {html}");
        assert!(
            html.contains("by our security checks"),
            "{outcome}: recorded in the activity"
        );
    }
}
