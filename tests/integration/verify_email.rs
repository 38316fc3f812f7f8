//! Verified email at sign-up (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL=1`): the code mailed, the
//! right code verifying and enrolling the email with Authsignal, wrong / used / expired codes
//! refused with a message, parallel submits, and Authsignal down at the moment of enrollment.

use serde_json::json;

use crate::support;

use support::{location, spawn_app_with, unique_email, TestApp, PASSWORD};

const SUBJECT: &str = "your verification code";

async fn verifying_app() -> TestApp {
    spawn_app_with(&[
        ("STOREFRONT_SIGN_UP_VERIFIES_EMAIL", "1"),
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
    ])
    .await
}

/// The code in the newest verification mail to `email`.
async fn mailed_code(app: &TestApp, email: &str) -> String {
    let mail = app.wait_for_mail(email, SUBJECT).await;
    let text = mail["text"].as_str().expect("a text part");
    let after = text
        .split("Verification code: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no code in {text}"));
    after.chars().take(6).collect()
}

/// A code that is not `code`.
fn other_than(code: &str) -> String {
    let first = if code.starts_with('1') { '2' } else { '1' };
    format!("{first}{}", &code[1..])
}

async fn submit(app: &TestApp, code: &str) -> reqwest::Response {
    app.post_form("/verify-email", &[("code", code)]).await
}

/// Submits `code` and reads the message the verify page then shows.
async fn submit_and_read(app: &TestApp, code: &str) -> String {
    let response = submit(app, code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/verify-email");
    app.get_html("/verify-email").await
}

/// The sandbox's EMAIL_OTP authenticators of the customer, by email.
async fn email_otp_authenticators(app: &TestApp, user_id: &str) -> Vec<String> {
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
        .filter(|a| a["verificationMethod"] == "EMAIL_OTP")
        .map(|a| a["email"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn sign_up_mails_a_code_only_with_the_setting_on() {
    let off = spawn_app_with(&[]).await;
    let email = unique_email();
    let response = off.sign_up(&email, "Ada", PASSWORD).await;
    assert_eq!(location(&response), "/account", "today's journey unchanged");
    assert_eq!(off.settled_mail_count(&email, SUBJECT).await, 0);
    assert!(!off.get_html("/account").await.contains("Verify your email"));

    let on = verifying_app().await;
    let email = unique_email();
    let response = on.sign_up(&email, "Ada", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/verify-email?sent=signup");
    let code = mailed_code(&on, &email).await;
    assert!(code.bytes().all(|b| b.is_ascii_digit()) && code.len() == 6);
    let page = on.get_html("/verify-email?sent=signup").await;
    assert!(page.contains("Verification code") && page.contains("Send a new code"));
    assert!(!page.contains(&code), "the code is only in the mail");
    // Signed in at once, and free to shop: the account page asks to verify.
    let account = on.get_html("/account").await;
    assert!(account.contains(&email));
    assert!(account.contains("Verify your email"));
}

#[tokio::test]
async fn the_right_code_verifies_the_email_and_enrolls_it_with_authsignal() {
    let app = verifying_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let code = mailed_code(&app, &email).await;

    let response = submit(&app, &code).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account");
    let account = app.get_html("/account").await;
    assert!(account.contains("Two-step sign-in is on"), "{account}");
    assert!(account.contains("Manage authenticators"));
    assert!(!account.contains("Verify your email"));

    let user_id = app.user_id(&email).await;
    assert_eq!(email_otp_authenticators(&app, &user_id).await, vec![email]);
    // Seen again, nothing is enrolled twice.
    app.get_html("/account").await;
    assert_eq!(email_otp_authenticators(&app, &user_id).await.len(), 1);
}

#[tokio::test]
async fn five_wrong_codes_kill_the_code_and_a_used_one_is_refused() {
    let app = verifying_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let code = mailed_code(&app, &email).await;
    let wrong = other_than(&code);

    let page = submit_and_read(&app, &wrong).await;
    assert!(page.contains("You have 4 more tries"), "{page}");
    for _ in 0..4 {
        submit(&app, &wrong).await;
    }
    // The right code no longer works: it was guessed at five times.
    let page = submit_and_read(&app, &code).await;
    assert!(page.contains("entered wrongly too many times"), "{page}");
    assert!(!app
        .get_html("/account")
        .await
        .contains("Two-step sign-in is on"));
    // Something that is not a code costs no try and gets its own message.
    let page = submit_and_read(&app, "12ab").await;
    assert!(page.contains("Enter the 6-digit code"));

    // A new code works, once.
    wait_out_the_resend_pause(&app, &email).await;
    let response = app.post_form("/verify-email/resend", &[]).await;
    assert_eq!(location(&response), "/verify-email?sent=1");
    let fresh = mailed_code(&app, &email).await;
    assert_eq!(location(&submit(&app, &fresh).await), "/account");
    let page = submit_and_read(&app, &fresh).await;
    assert!(page.contains("already used"), "{page}");
}

/// "Send a new code" has a short pause after each code: move the last one back past it.
async fn wait_out_the_resend_pause(app: &TestApp, email: &str) {
    let user_id = app.user_id(email).await;
    let pool = storefront::server::db::connect_and_migrate(&app.sqlite_url())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE email_verification_codes SET created_at = created_at - 60 WHERE user_id = $1",
    )
    .bind(&user_id)
    .execute(&pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_new_code_waits_a_moment_and_an_expired_code_is_refused() {
    let app = verifying_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let code = mailed_code(&app, &email).await;

    // Straight after sign-up's code, "Send a new code" asks to wait.
    let response = app.post_form("/verify-email/resend", &[]).await;
    assert_eq!(location(&response), "/verify-email");
    assert!(app
        .get_html("/verify-email")
        .await
        .contains("before asking for another code"));

    // Fifteen minutes later (the row's clock moved back), the code has expired.
    let user_id = app.user_id(&email).await;
    let pool = storefront::server::db::connect_and_migrate(&app.sqlite_url())
        .await
        .unwrap();
    sqlx::query("UPDATE email_verification_codes SET created_at = created_at - 901, expires_at = expires_at - 901 WHERE user_id = $1")
        .bind(&user_id)
        .execute(&pool)
        .await
        .unwrap();
    let page = submit_and_read(&app, &code).await;
    assert!(page.contains("That code has expired"), "{page}");
}

#[tokio::test]
async fn codes_are_limited_per_address() {
    let app = verifying_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    for _ in 0..4 {
        wait_out_the_resend_pause(&app, &email).await;
        let response = app.post_form("/verify-email/resend", &[]).await;
        assert_eq!(location(&response), "/verify-email?sent=1");
    }
    wait_out_the_resend_pause(&app, &email).await;
    let response = app.post_form("/verify-email/resend", &[]).await;
    assert_eq!(location(&response), "/verify-email");
    assert!(app
        .get_html("/verify-email")
        .await
        .contains("several codes already"));
    assert_eq!(app.settled_mail_count(&email, SUBJECT).await, 5);
}

#[tokio::test]
async fn parallel_submits_of_the_right_code_verify_once() {
    let app = verifying_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let code = mailed_code(&app, &email).await;

    let (a, b, c, d, e, f) = tokio::join!(
        submit(&app, &code),
        submit(&app, &code),
        submit(&app, &code),
        submit(&app, &code),
        submit(&app, &code),
        submit(&app, &code)
    );
    let successes = [a, b, c, d, e, f]
        .iter()
        .filter(|r| location(r) == "/account")
        .count();
    assert_eq!(successes, 1);
    let user_id = app.user_id(&email).await;
    let (first, second) = tokio::join!(app.get_html("/account"), app.get_html("/account"));
    assert!(first.contains("Two-step sign-in is on") || second.contains("Two-step sign-in is on"));
    assert_eq!(email_otp_authenticators(&app, &user_id).await.len(), 1);
}

#[tokio::test]
async fn authsignal_down_at_enrollment_keeps_the_email_verified_and_retries() {
    let app = verifying_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let code = mailed_code(&app, &email).await;
    let user_id = app.user_id(&email).await;

    app.set_fault(json!({"route": "enroll", "status": 503}))
        .await;
    assert_eq!(location(&submit(&app, &code).await), "/account");
    let account = app.get_html("/account").await;
    assert!(account.contains("could not be turned on yet"), "{account}");
    assert!(account.contains("Try again"));
    assert!(!account.contains("Verify your email"), "still verified");
    assert!(email_otp_authenticators(&app, &user_id).await.is_empty());
    // "Try again" while it is still down: still verified, still to do.
    let response = app.post_form("/verify-email/enroll", &[]).await;
    assert_eq!(location(&response), "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("could not be turned on yet"));

    // Back up: the next visit turns it on.
    app.clear_faults().await;
    let account = app.get_html("/account").await;
    assert!(account.contains("Two-step sign-in is on"), "{account}");
    assert!(account.contains("Manage authenticators"));
    assert!(!account.contains("could not be turned on yet"));
    assert_eq!(email_otp_authenticators(&app, &user_id).await, vec![email]);
}
