//! Authenticators on the account page: the security section and its server functions, the
//! pre-built UI launched to enroll, manage or remove and the return from it (popup mode too),
//! blocked or reviewed changes, and passkeys added in place (the server half).

use crate::support;

use serde_json::{json, Value};
use support::{
    follow_redirects, launch, location, pass_email_challenge, press_manage, signed_in_app,
    signed_in_with_challenge, spawn_app, spawn_app_with, spawn_app_with_test_hooks, unique_email,
    TestApp, PASSWORD,
};

// The security section.

#[tokio::test]
async fn signed_out_callers_get_not_signed_in() {
    let app = spawn_app().await;
    for name in [
        "load_security",
        "launch_authenticator_settings",
        "remove_authenticator",
    ] {
        let response = app
            .server_fn(name, &[("intent", "Enroll"), ("authenticator_id", "x")])
            .await;
        assert!(
            !response.status().is_success(),
            "{name} must refuse a signed-out caller"
        );
        let body = response.text().await.unwrap();
        assert!(body.contains("NotSignedIn"), "{name}: {body}");
    }
}

#[tokio::test]
async fn a_new_customer_sees_two_step_sign_in_off_and_the_enroll_button() {
    let (app, _) = signed_in_app().await;
    let overview: Value = app
        .server_fn("load_security", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overview["status"]["Ready"]["enrolled"], json!(false));
    assert_eq!(overview["status"]["Ready"]["authenticators"], json!([]));

    let html = app.get_html("/account").await;
    assert!(html.contains("Two-step sign-in is off"));
    assert!(html.contains("Enroll authenticator"));
    assert!(!html.contains("sandbox-secret"), "no secret in the page");
}

/// One page view = `getUser` + `getAuthenticators`, in parallel: one round trip of latency.
#[tokio::test]
async fn one_page_view_makes_two_concurrent_upstream_calls() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let upstream = MockServer::start().await;
    let delay = std::time::Duration::from_millis(400);
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/users/[^/]+$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"isEnrolled": false}))
                .set_delay(delay),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/users/[^/]+/authenticators$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(delay),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    let api_url = format!("{}/v1", upstream.uri());
    let app = spawn_app_with(&[
        ("AUTHSIGNAL_SECRET_KEY", "sk_test_tenant"),
        ("AUTHSIGNAL_API_URL", &api_url),
    ])
    .await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;

    let started = std::time::Instant::now();
    let html = app.get_html("/account").await;
    let took = started.elapsed();
    assert!(html.contains("Two-step sign-in is off"));
    // Sequential calls would take at least 800 ms.
    assert!(
        took < std::time::Duration::from_millis(750),
        "page took {took:?}: calls were not concurrent"
    );
    upstream.verify().await;
}

// Launching the pre-built UI, and coming back from it.

#[tokio::test]
async fn launching_returns_the_pre_built_ui_url_and_a_double_click_launches_once() {
    let (app, _) = signed_in_app().await;
    let first = app
        .server_fn("launch_authenticator_settings", &[("intent", "Enroll")])
        .await;
    assert_eq!(first.status(), 200);
    let cookies: Vec<String> = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    // Sign-up already gave this browser its device id; the launch keeps it.
    assert!(
        !cookies.iter().any(|c| c.starts_with("__as_aid=")),
        "device id cookie kept, not replaced: {cookies:?}"
    );
    let first: String = first.json().await.unwrap();
    assert!(
        first.starts_with(&format!("{}/sandbox/ui", app.address)),
        "{first}"
    );

    let second: String = app
        .server_fn("launch_authenticator_settings", &[("intent", "Enroll")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first, second, "a second click reuses the first launch");
}

#[tokio::test]
async fn without_javascript_the_launch_form_answers_with_a_303_to_the_pre_built_ui() {
    let (app, _) = signed_in_app().await;
    let response = app
        .client
        .post(app.url("/api/launch_authenticator_settings"))
        .header("accept", "text/html,application/xhtml+xml")
        .form(&[("intent", "Enroll")])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(response.status().as_u16(), 302 | 303),
        "status {}",
        response.status()
    );
    assert!(location(&response).starts_with(&format!("{}/sandbox/ui", app.address)));
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

#[tokio::test]
async fn a_garbage_token_is_refused_with_a_message_and_leaves_the_address_bar() {
    let (app, _) = signed_in_app().await;
    app.server_fn("launch_authenticator_settings", &[("intent", "Enroll")])
        .await;

    let response = app.get("/account/return?token=garbage").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account");
    let html = app.get_html("/account").await;
    assert!(
        html.contains("We couldn&#39;t confirm that change")
            || html.contains("We couldn't confirm that change")
    );
    assert!(html.contains("Two-step sign-in is off"), "nothing changed");

    // A token with nothing pending (a replay) is refused too.
    let response = app.get("/account/return?token=garbage").await;
    assert_eq!(location(&response), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("confirm that change"));
}

#[tokio::test]
async fn garbage_returns_cannot_flood_the_security_activity() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    support::launch(&app.client, &app).await;
    for _ in 0..12 {
        assert_eq!(
            location(&app.get("/account/return?token=garbage").await),
            "/account"
        );
    }
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Started enrolling an authenticator"),
        "the real event is still listed"
    );
    assert!(
        html.matches("was refused").count() <= 1,
        "one refused line for the one pending launch at most"
    );
}

// The one round trip: Manage right after a challenge skips the second one (by Authsignal's
// clock), a verification is only ever the verified customer's, popup mode completes the same way.

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
    let done = support::press_done(&app, &page).await;
    let back = done.clone();
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
    let done = support::press_done(&app, &page).await;
    let token = url::Url::parse(&done)
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

// Removing an authenticator.

#[tokio::test]
async fn removal_without_a_recent_challenge_sends_the_customer_through_one_first() {
    let (app, _) = signed_in_app().await;
    let target: String = app
        .server_fn("remove_authenticator", &[("authenticator_id", "auth_123")])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        target.starts_with(&format!("{}/sandbox/ui", app.address)),
        "{target}"
    );
    let html = app.get_html("/account").await;
    assert!(html.contains("Started verifying to remove an authenticator"));
}

/// A customer with an email and an SMS authenticator who has just verified (by the removal
/// round trip); returns the app, the customer's id and both authenticator ids.
async fn verified_customer_with_two_authenticators(app: &TestApp) -> (String, Vec<String>) {
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.enroll_sms(&user_id, "+64271234567").await;
    let ids = app.authenticator_ids(&user_id).await;
    assert_eq!(ids.len(), 2);
    let challenge: String = app
        .remove_authenticator(&ids[0])
        .await
        .json()
        .await
        .unwrap();
    let back = pass_email_challenge(app, &app.client, &challenge, &email).await;
    let returned = app.client.get(&back).send().await.unwrap();
    assert!(
        location(&returned).starts_with("/account?remove="),
        "verified: {}",
        location(&returned)
    );
    (user_id, ids)
}

#[tokio::test]
async fn two_parallel_removals_never_leave_zero_authenticators() {
    let app = spawn_app_with_test_hooks().await;
    let (user_id, ids) = verified_customer_with_two_authenticators(&app).await;
    // Slow deletes widen the window in which both requests could see "two left".
    app.set_fault(json!({"route": "getAuthenticators", "latencyMs": 300}))
        .await;
    let (first, second) = tokio::join!(
        app.remove_authenticator(&ids[0]),
        app.remove_authenticator(&ids[1])
    );
    assert_eq!(
        (first.status(), second.status()),
        (reqwest::StatusCode::OK, reqwest::StatusCode::OK)
    );
    assert_eq!(
        app.authenticator_ids(&user_id).await.len(),
        1,
        "exactly one removed, one left"
    );
}

// Passkeys in place, the server half: what the add-a-passkey page may do, the ceremony's token
// and its validation, and the one-line offer after a password sign-in. The ceremonies themselves
// run in Chromium (end2end/tests/account/passkeys_in_place.spec.ts).

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

#[tokio::test]
async fn a_strangers_return_link_does_not_cancel_the_customers_launch() {
    let app = support::spawn_app_with_test_hooks().await;
    signed_in_with_challenge(&app).await;

    // Manage, just after the challenge: straight to the settings screen.
    let settings = follow_redirects(&app.client, &press_manage(&app).await)
        .await
        .text()
        .await
        .unwrap();
    assert!(settings.contains("Your authenticators"), "{settings}");

    // A link the customer was tricked into opening is refused …
    let response = app.get("/account/return?token=garbage").await;
    assert_eq!(location(&response), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("confirm that change"));

    // … and the real return still completes the launch.
    let done = support::press_done(&app, &settings).await;
    let response = app.client.get(&done).send().await.unwrap();
    assert_eq!(location(&response), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("Your authenticators were updated."));
}

#[tokio::test]
async fn the_page_the_customer_comes_back_to_already_shows_what_changed() {
    let app = spawn_app_with_test_hooks().await;
    let (email, user_id) = signed_in_with_challenge(&app).await;
    let added = app.enroll_sms(&user_id, "+64271234567").await;
    let sms = added["authenticator"]["userAuthenticatorId"]
        .as_str()
        .or(added["userAuthenticatorId"].as_str())
        .expect("the new authenticator's id")
        .to_string();
    app.wait_for_activity("Added SMS").await;
    // Authsignal's webhooks arrive a little after the customer is sent back.
    app.set_fault(json!({"route": "webhooks", "latencyMs": 800}))
        .await;

    let settings = follow_redirects(&app.client, &press_manage(&app).await)
        .await
        .text()
        .await
        .unwrap();
    let s = support::form_value(&settings, "s");
    let removed = app
        .client
        .post(app.url("/sandbox/ui/settings/remove"))
        .form(&[("s", s.as_str()), ("authenticatorId", sms.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 303, "removed in the pre-built UI");
    let done = support::press_done(&app, &settings).await;
    let response = app.client.get(&done).send().await.unwrap();
    assert_eq!(location(&response), "/account");
    let page = app.get_html("/account").await;
    assert!(page.contains("Removed"), "shown at once: {page}");
    assert_eq!(page.matches("Removed").count(), 1, "and once");
    // Made inside this browser's own visit: its receipt names the browser.
    let receipt = app.wait_for_mail(&email, "Removed SMS").await;
    let text = receipt["text"].as_str().unwrap();
    assert!(text.contains("Browser: "), "{text}");
}
