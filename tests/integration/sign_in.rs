//! Sign-in: the password check and where it lands, failed attempts limited per account and per
//! address, two-step sign-in (the challenge, its return, outages), what each track outcome
//! does at sign-in, and passkey sign-in's refusals.

use crate::support;

use serde_json::json;
use support::{
    location, new_client, pass_email_challenge, spawn_app, spawn_app_with,
    spawn_app_with_test_hooks, unique_email, TestApp, PASSWORD,
};

// The password.

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_come_back_to_the_account() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Grace", PASSWORD).await;
    app.post_form("/signout", &[]).await;

    for path in [
        "/account?token=secret-token",
        "/account/return?token=secret-token",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            location(&response),
            "/signin?next=%2Faccount",
            "{path}: the token is dropped"
        );
    }

    let html = app.get_html("/signin?next=%2Faccount").await;
    assert!(html.contains(r#"name="next" value="/account""#));
    let response = app
        .post_form(
            "/signin",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account");
    assert!(app.get_html("/account").await.contains("Grace"));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_message() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;

    let mut messages = Vec::new();
    for (email, password) in [
        (email.as_str(), "wrong password!"),
        ("nobody@example.com", PASSWORD),
    ] {
        let response = app.sign_in(email, password).await;
        assert_eq!(response.status(), 303);
        assert!(location(&response).starts_with("/signin"));
        let html = app.get_html("/signin").await;
        assert!(
            html.contains("That email and password don&#39;t match an account.")
                || html.contains("That email and password don't match an account.")
        );
        assert!(html.contains(&format!(r#"value="{email}""#)), "email kept");
        messages.push(html.contains("match an account"));
    }
    assert_eq!(app.get("/account").await.status(), 303, "still signed out");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    let response = app
        .post_form(
            "/signin",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account");
}

// Failed attempts, limited.

#[tokio::test]
async fn an_account_is_locked_after_five_wrong_passwords_even_for_the_right_one() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    for _ in 0..5 {
        let response = app.sign_in(&email, "not the password").await;
        assert!(location(&response).starts_with("/signin"));
        assert!(app
            .get_html(&location(&response))
            .await
            .contains("match an account"));
    }
    let response = app.sign_in(&email, PASSWORD).await;
    assert!(
        location(&response).starts_with("/signin"),
        "the right password is refused while locked"
    );
    let html = app.get_html(&location(&response)).await;
    assert!(
        html.contains("Too many failed sign-in attempts. Try again in 15 minutes."),
        "{html}"
    );
    assert_eq!(app.get("/account").await.status(), 303, "not signed in");

    // Another customer on the same address is unaffected.
    let other = unique_email();
    app.sign_up(&other, "Bob", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    assert_eq!(location(&app.sign_in(&other, PASSWORD).await), "/account");
}

#[tokio::test]
async fn one_address_guessing_across_accounts_is_blocked() {
    let app = spawn_app_with(&[("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "3")]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    for n in 0..3 {
        app.sign_in(&format!("nobody{n}@example.com"), "guess")
            .await;
    }
    let response = app.sign_in(&email, PASSWORD).await;
    let html = app.get_html(&location(&response)).await;
    assert!(html.contains("Too many failed sign-in attempts"), "{html}");
}

/// Sends `count` sign-ins with a wrong password at once, each from its own browser, and
/// returns the message each one's form came back with.
async fn parallel_wrong_passwords(
    app: &TestApp,
    email: &str,
    count: usize,
    forwarded_for: Option<&str>,
) -> Vec<String> {
    let attempts = (0..count).map(|_| {
        let (url, email, forwarded_for) = (
            app.url("/signin"),
            email.to_string(),
            forwarded_for.map(str::to_string),
        );
        let base = app.address.clone();
        tokio::spawn(async move {
            let client = new_client();
            let mut request = client.post(url).form(&[
                ("email", email.as_str()),
                ("password", "not the password"),
                ("next", "/account"),
            ]);
            if let Some(ip) = &forwarded_for {
                request = request.header("x-forwarded-for", ip);
            }
            let response = request.send().await.unwrap();
            let form = client
                .get(format!("{base}{}", location(&response)))
                .send()
                .await
                .unwrap();
            form.text().await.unwrap()
        })
    });
    let mut messages = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        messages.push(attempt.await.unwrap());
    }
    messages
}

async fn assert_five_checks_of_thirty(app: &TestApp, forwarded_for: Option<&str>) {
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    let messages = parallel_wrong_passwords(app, &email, 30, forwarded_for).await;
    let checked = messages
        .iter()
        .filter(|html| html.contains("match an account"))
        .count();
    let refused = messages
        .iter()
        .filter(|html| html.contains("Too many failed sign-in attempts"))
        .count();
    assert_eq!(
        (checked, refused),
        (5, 25),
        "thirty at once: five password checks, the rest refused unchecked"
    );
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_get_five_checks() {
    assert_five_checks_of_thirty(&spawn_app().await, None).await;
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_get_five_checks_with_redis() {
    let redis = support::redis_url();
    // Redis is shared by every test: this one's address is its own.
    let ip = format!("198.51.{}.{}", rand_octet(), rand_octet());
    let app = spawn_app_with(&[
        ("REDIS_URL", redis.as_str()),
        ("STOREFRONT_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    assert_five_checks_of_thirty(&app, Some(&ip)).await;
}

fn rand_octet() -> u8 {
    (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 250) as u8
        + 1
}

// Two-step sign-in, against the embedded sandbox.

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
async fn a_successful_return_remembers_the_enrollment_for_outages() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    // Seen with nothing enrolled: remembered as "not enrolled".
    assert!(app
        .get_html("/account")
        .await
        .contains("Enroll authenticator"));
    let user_id = app.enroll_email(&email).await;
    // The removal's verification round trip succeeds: the storefront now knows better,
    // without another view of the account page.
    let challenge: String = app
        .remove_authenticator(&app.authenticator_ids(&user_id).await[0])
        .await
        .json()
        .await
        .unwrap();
    let back = pass_email_challenge(&app, &app.client, &challenge, &email).await;
    app.client.get(&back).send().await.unwrap();
    app.post_form("/signout", &[]).await;

    app.set_fault(json!({"route": "*", "status": 503})).await;
    let response = app.sign_in(&email, PASSWORD).await;
    assert!(
        location(&response).starts_with("/signin"),
        "a password alone does not get in during an outage"
    );
    assert!(app
        .get_html(&location(&response))
        .await
        .contains("Two-step sign-in is temporarily unavailable"));
}

// Each track outcome a tenant can produce, at sign-in: the sandbox plays the tenant's action
// configuration through its test hook.
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

// Passkey sign-in's refusals (the ceremony itself runs in Chromium:
// end2end/tests/account/passkeys_in_place.spec.ts).

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
