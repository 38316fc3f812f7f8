//! Account takeover recipes, each run end to end: an inbox alone stripping every factor through
//! "This wasn't me", a two-step sign-in started before a reset finishing after it, a session
//! that outlives its security stamp, and a sibling subdomain planting a session cookie.

use crate::support;

use std::time::Duration;

use support::{
    link_in, location, new_client, pass_email_challenge, spawn_app, token_in, unique_email,
    TestApp, PASSWORD,
};

const NEW_PASSWORD: &str = "an attacker's passphrase";

/// The "This wasn't me" token of the receipt whose subject contains `subject`, once it is mailed.
async fn not_me_token(app: &TestApp, email: &str, subject: &str) -> String {
    let mail = app.wait_for_mail(email, subject).await;
    token_in(&link_in(&mail, "/not-me?token="))
}

async fn report(app: &TestApp, attacker: &reqwest::Client, token: &str) -> String {
    let response = attacker
        .post(app.url("/not-me"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    location(&response)
}

#[tokio::test]
async fn an_inbox_alone_cannot_report_every_factor_away_and_reset_without_one() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.enroll_sms(&user_id, "+64271234567").await;
    let email_receipt = not_me_token(&app, &email, "Added Email").await;
    let sms_receipt = not_me_token(&app, &email, "Added SMS").await;

    // Someone with only the inbox reports the first change: a factor remains, so the reset
    // that follows still needs it.
    let attacker = new_client();
    let to_reset = report(&app, &attacker, &email_receipt).await;
    assert!(to_reset.starts_with("/reset-password?token="), "{to_reset}");
    let reset_token = token_in(&to_reset);
    let response = attacker
        .post(app.url("/reset-password"))
        .form(&[("token", reset_token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        location(&response).contains("/sandbox/"),
        "the remaining SMS is challenged: {}",
        location(&response)
    );

    // Reporting the last one leaves no factor: the account is held, nothing resets on a link.
    let held = report(&app, &attacker, &sms_receipt).await;
    assert!(held.starts_with("/forgot-password"), "{held}");
    let html = app.page_html(&attacker, &held).await;
    assert!(html.contains("your account is locked"), "{html}");
    let response = attacker
        .post(app.url("/reset-password"))
        .form(&[("token", reset_token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    let back = location(&response);
    assert!(
        back.starts_with("/reset-password?token="),
        "refused: {back}"
    );
    assert!(app
        .page_html(&attacker, &back)
        .await
        .contains("your account is locked"));
    let response = app.sign_in(&email, PASSWORD).await;
    assert!(
        location(&response).starts_with("/signin"),
        "no sign-in while held"
    );
    let refused = app.page_html(&app.client, &location(&response)).await;
    assert!(refused.contains("your account is locked"), "{refused}");

    // Support releases it: the old password works again, and the activity says what happened.
    assert!(app.user_store().await.release_hold(&user_id).await.unwrap());
    let response = app.sign_in(&email, PASSWORD).await;
    assert_eq!(location(&response), "/account");
    let account = app.get_html("/account").await;
    assert!(
        account.contains("the account held for support"),
        "{account}"
    );
}

#[tokio::test]
async fn a_two_step_sign_in_started_before_a_reset_cannot_finish_after_it() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;

    // The old password's holder starts signing in and stops at the challenge.
    let intruder = new_client();
    let response = app.sign_in_with(&intruder, &email, PASSWORD).await;
    let challenge = location(&response);
    assert!(challenge.contains("/sandbox/"), "{challenge}");

    // The customer resets their password (with their own challenge).
    let owner = new_client();
    owner
        .post(app.url("/forgot-password"))
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    let letter = app.wait_for_mail(&email, "reset your password").await;
    let token = token_in(&link_in(&letter, "/reset-password?token="));
    let response = owner
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    let back = pass_email_challenge(&app, &owner, &location(&response), &email).await;
    let response = owner.get(&back).send().await.unwrap();
    assert_eq!(location(&response), "/signin?reset=1");

    // The intruder completes the challenge that began before the reset: refused, not signed in.
    let back = pass_email_challenge(&app, &intruder, &challenge, &email).await;
    assert!(back.contains("/signin/return?token="), "{back}");
    let response = intruder.get(&back).send().await.unwrap();
    assert!(
        location(&response).starts_with("/signin"),
        "{}",
        location(&response)
    );
    let account = intruder.get(app.url("/account")).send().await.unwrap();
    assert_eq!(account.status(), 303, "no session from before the reset");
}

#[tokio::test]
async fn a_session_under_an_old_security_stamp_is_signed_out_on_its_next_request() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    assert_eq!(app.get("/account").await.status(), 200);
    // Another instance's reset rotated the stamp; its sweep has not reached this session.
    app.user_store()
        .await
        .rotate_security_stamp(&user_id)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = app.get("/account").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/signin"));
}

#[tokio::test]
async fn over_https_the_session_cookie_cannot_be_planted_by_a_sibling_subdomain() {
    let app = support::spawn_public_app("https://shop.example.com").await;
    let response = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("storefront_session="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.starts_with("__Host-storefront_session="), "{cookie}");
    let attributes = cookie.to_ascii_lowercase();
    assert!(
        attributes.contains("; secure") && attributes.contains("; path=/"),
        "{cookie}"
    );
    assert!(!attributes.contains("domain="), "{cookie}");
}
