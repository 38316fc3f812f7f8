//! Authsignal's custom-UI path on the storefront's own pages, as a browser without JavaScript
//! drives it (plain form posts, 303s): adding an authenticator app, email and SMS codes in
//! place, and sign-in's second step on `/verify-its-you` (`STOREFRONT_CHALLENGE_UI=custom`).

use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::support::{
    self, location, pass_email_challenge, spawn_app_with, unique_email, TestApp, PASSWORD,
};

const ADD_APP: &str = "/account/add-authenticator-app";
const ADD_EMAIL: &str = "/account/add-email-codes";
const ADD_SMS: &str = "/account/add-text-message-codes";

async fn app_with(extra: &[(&str, &str)]) -> TestApp {
    // A debug build among parallel tests on two cores: no call should time out by accident.
    let mut vars = vec![
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
        ("AUTHSIGNAL_TIMEOUT_MS", "5000"),
    ];
    vars.extend_from_slice(extra);
    spawn_app_with(&vars).await
}

/// Presses one of an add page's buttons.
async fn add_step(app: &TestApp, method: &str, action: &str, extra: &[(&str, &str)]) -> String {
    let mut form = vec![("method", method), ("do", action)];
    form.extend_from_slice(extra);
    let response = app.post_form("/account/add-method", &form).await;
    assert_eq!(response.status(), 303, "{method} {action}");
    location(&response)
}

/// The text of the element labelled "Secret key".
fn secret_on(html: &str) -> String {
    let label = html
        .find(r#"aria-label="Secret key""#)
        .unwrap_or_else(|| panic!("no secret key on {html}"));
    let start = label + html[label..].find('>').unwrap() + 1;
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

/// The sandbox's now for this customer (its clock may have been moved for them).
async fn sandbox_now(app: &TestApp, user_id: &str) -> u64 {
    let clock: serde_json::Value = app
        .client
        .get(app.url("/sandbox/_test/clock"))
        .query(&[("userId", user_id)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    clock["unixSeconds"].as_u64().expect("the sandbox's clock")
}

fn totp_at(secret: &str, unix: u64) -> String {
    let key = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, key).generate(unix)
}

/// A six-digit code that is not the app's around `unix`.
fn wrong_totp(secret: &str, unix: u64) -> String {
    let near = [unix - 30, unix, unix + 30].map(|t| totp_at(secret, t));
    (0..)
        .map(|n| format!("{:06}", 100_000 + n))
        .find(|c| !near.contains(c))
        .unwrap()
}

async fn methods_of(app: &TestApp, user_id: &str) -> Vec<String> {
    let list = app
        .sandbox_api(
            reqwest::Method::GET,
            &format!("/users/{user_id}/authenticators"),
            None,
        )
        .await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["verificationMethod"].as_str().unwrap().to_string())
        .collect()
}

/// Sets up the authenticator app from the account page; its secret.
async fn start_app(app: &TestApp) -> String {
    assert_eq!(
        add_step(app, "authenticator-app", "start", &[]).await,
        ADD_APP
    );
    let html = app.get_html(ADD_APP).await;
    assert!(
        html.contains(r#"alt="QR code for your authenticator app""#)
            && html.contains("src=\"data:image/svg+xml;base64,"),
        "the QR code, drawn on the server: {html}"
    );
    assert!(!html.contains("eyJ"), "no token on the page");
    let secret = secret_on(&html);
    assert!(
        secret.len() >= 16
            && secret
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{secret}"
    );
    secret
}

#[tokio::test]
async fn a_first_authenticator_app_then_email_codes_are_added_on_our_own_pages() {
    let app = app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    let account = app.get_html("/account").await;
    for control in [
        "Add an authenticator app",
        "Add email codes",
        "Add text message codes",
    ] {
        assert!(account.contains(control), "{control}");
    }

    // A wrong code changes nothing and says so.
    let secret = start_app(&app).await;
    let now = sandbox_now(&app, &user_id).await;
    let wrong = wrong_totp(&secret, now);
    assert_eq!(
        add_step(&app, "authenticator-app", "verify", &[("code", &wrong)]).await,
        ADD_APP
    );
    let html = app.get_html(ADD_APP).await;
    assert!(html.contains("That code isn"), "{html}");
    assert_eq!(secret_on(&html), secret, "still the same secret to scan");
    assert!(methods_of(&app, &user_id).await.is_empty());

    let code = totp_at(&secret, now);
    assert_eq!(
        add_step(&app, "authenticator-app", "verify", &[("code", &code)]).await,
        "/account"
    );
    assert_eq!(methods_of(&app, &user_id).await, ["AUTHENTICATOR_APP"]);
    let account = app.get_html("/account").await;
    assert!(
        account.contains("Authenticator app was added."),
        "{account}"
    );
    assert!(account.contains("Two-step sign-in is on"), "{account}");
    assert!(
        !account.contains("Add an authenticator app"),
        "offered once only"
    );
    app.wait_for_activity("Added Authenticator app").await;

    // Verified moments ago by adding the app: email codes need no new challenge.
    let html = app.get_html(ADD_EMAIL).await;
    assert!(
        html.contains("Email address") && html.contains("Send code"),
        "{html}"
    );
    let bad = add_step(&app, "email", "send", &[("address", "not an address")]).await;
    assert_eq!(bad, ADD_EMAIL);
    assert!(app
        .get_html(ADD_EMAIL)
        .await
        .contains("Enter an email address like"));
    add_step(&app, "email", "send", &[("address", &email)]).await;
    let html = app.get_html(ADD_EMAIL).await;
    assert!(html.contains("Enter the code we sent to"), "{html}");
    assert!(!html.contains(&email), "the address is shown masked");
    let code = app.latest_code(&email).await;
    assert_eq!(
        add_step(&app, "email", "verify", &[("code", &code)]).await,
        "/account"
    );
    let mut methods = methods_of(&app, &user_id).await;
    methods.sort();
    assert_eq!(methods, ["AUTHENTICATOR_APP", "EMAIL_OTP"]);
    app.wait_for_activity("Added Email").await;
    // The same code again: nothing pending any more.
    add_step(&app, "email", "verify", &[("code", &code)]).await;
    assert!(app.get_html(ADD_EMAIL).await.contains("has expired"));
}

#[tokio::test]
async fn an_enrolled_customer_without_a_recent_challenge_verifies_first_and_comes_back() {
    let app = app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    let html = app.get_html(ADD_SMS).await;
    assert!(
        html.contains("verify it&#39;s you before adding text message codes")
            || html.contains("verify it's you before adding text message codes"),
        "{html}"
    );

    // Skipping ahead sends nothing: the binding rule is the server's, not the page's.
    add_step(&app, "sms", "send", &[("address", "+14155550100")]).await;
    let outbox: serde_json::Value = app
        .client
        .get(app.url("/sandbox/outbox/messages"))
        .query(&[("to", "+14155550100")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox, json!([]), "no code went out");

    let challenge = add_step(&app, "sms", "verify-first", &[]).await;
    assert!(challenge.contains("/sandbox/ui"), "{challenge}");
    let back = pass_email_challenge(&app, &app.client, &challenge, &email).await;
    let response = app.client.get(&back).send().await.unwrap();
    assert_eq!(location(&response), ADD_SMS);
    let html = app.get_html(ADD_SMS).await;
    assert!(
        html.contains("You&#39;re verified") || html.contains("You're verified"),
        "{html}"
    );
    assert!(html.contains("Phone number"), "{html}");

    add_step(&app, "sms", "send", &[("address", "+1 (415) 555-0100")]).await;
    let code = app.latest_code("+14155550100").await;
    let landed = add_step(&app, "sms", "verify", &[("code", &code)]).await;
    if landed != "/account" {
        let html = app.get_html(ADD_SMS).await;
        let notice = html
            .find("notice")
            .map(|i| &html[i..(i + 300).min(html.len())]);
        panic!("landed on {landed}: {notice:?}");
    }
    let user_id = app.user_id(&email).await;
    let mut methods = methods_of(&app, &user_id).await;
    methods.sort();
    assert_eq!(methods, ["EMAIL_OTP", "SMS"]);
}

#[tokio::test]
async fn five_wrong_codes_end_the_add_and_an_outage_adds_nothing() {
    let app = app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    let secret = start_app(&app).await;
    let now = sandbox_now(&app, &user_id).await;

    // Authsignal down while verifying: a clear message, nothing added, the step kept.
    app.set_fault(json!({"route": "POST /client/verify/totp", "status": 503, "times": 1}))
        .await;
    let code = totp_at(&secret, now);
    add_step(&app, "authenticator-app", "verify", &[("code", &code)]).await;
    let html = app.get_html(ADD_APP).await;
    assert!(
        html.contains("couldn&#39;t reach our security provider")
            || html.contains("couldn't reach our security provider"),
        "{html}"
    );
    assert!(methods_of(&app, &user_id).await.is_empty());
    assert_eq!(secret_on(&html), secret);

    let wrong = wrong_totp(&secret, now);
    for _ in 0..5 {
        add_step(&app, "authenticator-app", "verify", &[("code", &wrong)]).await;
    }
    let html = app.get_html(ADD_APP).await;
    assert!(html.contains("Too many wrong codes"), "{html}");
    assert!(
        html.contains("Set up authenticator app"),
        "back to the start: {html}"
    );
    // The right code is no use now: that enrollment is over.
    add_step(&app, "authenticator-app", "verify", &[("code", &code)]).await;
    assert!(methods_of(&app, &user_id).await.is_empty());
}

#[tokio::test]
async fn parallel_verifies_of_one_code_add_one_authenticator() {
    let app = app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    add_step(&app, "email", "send", &[("address", &email)]).await;
    let code = app.latest_code(&email).await;
    let form = [("code", code.as_str())];
    let presses = (0..6).map(|_| add_step(&app, "email", "verify", &form));
    let landed = futures_util::future::join_all(presses).await;
    assert!(landed.iter().any(|l| l == "/account"), "{landed:?}");
    assert_eq!(methods_of(&app, &user_id).await, ["EMAIL_OTP"]);
}

/// Signs `email` in from a fresh browser; where the password step sends it.
async fn sign_in_fresh(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let browser = support::new_client();
    let response = app.sign_in_with(&browser, email, PASSWORD).await;
    assert_eq!(response.status(), 303);
    (browser, location(&response))
}

async fn second_step(app: &TestApp, browser: &reqwest::Client, form: &[(&str, &str)]) -> String {
    let response = browser
        .post(app.url("/verify-its-you/step"))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    location(&response)
}

#[tokio::test]
async fn in_custom_mode_sign_in_s_second_step_is_answered_on_our_own_page() {
    let app = app_with(&[("STOREFRONT_CHALLENGE_UI", "custom")]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.enroll_sms(&user_id, "+14155550142").await;

    let (browser, next) = sign_in_fresh(&app, &email).await;
    assert_eq!(next, "/verify-its-you");
    let html = app.page_html(&browser, "/verify-its-you").await;
    assert!(html.contains("Email a code to c•••@example.com"), "{html}");
    assert!(html.contains("Text a code to •••0142"), "{html}");
    assert!(
        !html.contains("eyJ") && !html.contains(&email),
        "no token, no address"
    );
    let email_first = html.find("Email a code").unwrap() < html.find("Text a code").unwrap();
    assert!(email_first, "the default method first");

    second_step(&app, &browser, &[("do", "choose"), ("method", "email")]).await;
    let code = app.latest_code(&email).await;
    second_step(&app, &browser, &[("do", "verify"), ("code", "000000")]).await;
    assert!(app
        .page_html(&browser, "/verify-its-you")
        .await
        .contains("That code isn"));
    let landed = second_step(&app, &browser, &[("do", "verify"), ("code", &code)]).await;
    assert_eq!(landed, "/account");
    let account = app.page_html(&browser, "/account").await;
    assert!(account.contains("Account settings"), "signed in");
    app.wait_for_activity("Signed in with password and Email")
        .await;

    // Spent attempts fail closed, back at the sign-in form; the launch is over.
    let (browser, _) = sign_in_fresh(&app, &email).await;
    second_step(&app, &browser, &[("do", "choose"), ("method", "sms")]).await;
    let mut landed = String::new();
    for _ in 0..5 {
        landed = second_step(&app, &browser, &[("do", "verify"), ("code", "000000")]).await;
    }
    assert_eq!(landed, "/signin");
    let html = app.page_html(&browser, "/signin").await;
    assert!(
        html.contains("We couldn&#39;t verify it") || html.contains("We couldn't verify it"),
        "{html}"
    );
    let account = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), 303, "not signed in");
    let code = app.latest_code("+14155550142").await;
    let after = second_step(&app, &browser, &[("do", "verify"), ("code", &code)]).await;
    assert_eq!(after, "/verify-its-you", "nothing pending any more");
    assert_eq!(
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test]
async fn in_custom_mode_an_authenticator_app_answers_the_second_step_and_others_go_prebuilt() {
    let app = app_with(&[("STOREFRONT_CHALLENGE_UI", "custom")]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    let secret = start_app(&app).await;
    let now = sandbox_now(&app, &user_id).await;
    add_step(
        &app,
        "authenticator-app",
        "verify",
        &[("code", &totp_at(&secret, now))],
    )
    .await;

    // The enrolling code's time step can't answer again: the next one does.
    app.client
        .post(app.url("/sandbox/_test/clock/advance"))
        .json(&json!({"seconds": 30, "userId": user_id}))
        .send()
        .await
        .unwrap();
    let (browser, next) = sign_in_fresh(&app, &email).await;
    assert_eq!(next, "/verify-its-you");
    second_step(
        &app,
        &browser,
        &[("do", "choose"), ("method", "authenticator-app")],
    )
    .await;
    let html = app.page_html(&browser, "/verify-its-you").await;
    assert!(html.contains("your authenticator app shows"), "{html}");
    let now = sandbox_now(&app, &user_id).await;
    let landed = second_step(
        &app,
        &browser,
        &[("do", "verify"), ("code", &totp_at(&secret, now))],
    )
    .await;
    assert_eq!(landed, "/account");
    app.wait_for_activity("Signed in with password and Authenticator app")
        .await;

    // "Use a passkey or another way": the pre-built UI answers the same launch.
    let (browser, _) = sign_in_fresh(&app, &email).await;
    let prebuilt = second_step(&app, &browser, &[("do", "other-way")]).await;
    assert!(prebuilt.contains("/sandbox/ui?token="), "{prebuilt}");
}

#[tokio::test]
async fn in_custom_mode_a_reset_s_challenge_is_answered_on_our_own_page_too() {
    const NEW_PASSWORD: &str = "a brand new passphrase";
    let app = app_with(&[("STOREFRONT_CHALLENGE_UI", "custom")]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;

    let visitor = support::new_client();
    visitor
        .post(app.url("/forgot-password"))
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    let letter = app.wait_for_mail(&email, "reset your password").await;
    let token = support::token_in(&support::link_in(&letter, "/reset-password?token="));
    let response = visitor
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/verify-its-you");
    let html = app.page_html(&visitor, "/verify-its-you").await;
    assert!(
        html.contains("Before your new password takes effect"),
        "{html}"
    );

    second_step(&app, &visitor, &[("do", "choose"), ("method", "email")]).await;
    let code = app.latest_code(&email).await;
    let landed = second_step(&app, &visitor, &[("do", "verify"), ("code", &code)]).await;
    assert_eq!(landed, "/signin?reset=1");
    let response = app
        .sign_in_with(&support::new_client(), &email, NEW_PASSWORD)
        .await;
    assert_eq!(
        location(&response),
        "/verify-its-you",
        "the new password, then the second step"
    );
}

#[tokio::test]
async fn codes_sent_to_one_address_are_limited() {
    let app = app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let victim = "+14155550199";
    for _ in 0..6 {
        add_step(&app, "sms", "send", &[("address", victim)]).await;
    }
    assert!(app
        .get_html(ADD_SMS)
        .await
        .contains("Too many codes were sent"));
    let outbox: serde_json::Value = app
        .client
        .get(app.url("/sandbox/outbox/messages"))
        .query(&[("to", victim)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox.as_array().unwrap().len(), 5, "five an hour, not six");
}

#[tokio::test]
async fn a_right_code_whose_confirmation_fails_says_so_and_counts_as_enrolled() {
    let app = app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    add_step(&app, "email", "send", &[("address", &email)]).await;
    let code = app.latest_code(&email).await;
    app.set_fault(json!({"route": "validate", "status": 503, "times": 1}))
        .await;
    let landed = add_step(&app, "email", "verify", &[("code", &code)]).await;
    assert_eq!(landed, "/account");
    let account = app.get_html("/account").await;
    assert!(
        account.contains("Your code was right, but we couldn"),
        "{account}"
    );
    assert_eq!(methods_of(&app, &user_id).await, ["EMAIL_OTP"]);
    let user = app
        .user_store()
        .await
        .find_by_id(&user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.two_step_enrolled(),
        Some(true),
        "an outage now fails closed"
    );
}
