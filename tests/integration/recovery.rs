//! Getting an account back: "Forgot password?" and the reset (challenged when enrolled, closed
//! while Authsignal is down), "This wasn't me" from a receipt, and the holds and stamps that
//! stop an inbox or an old password alone from taking the account.

use crate::support;

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use support::mail::MailServer;
use support::{
    browser, link_in, location, new_client, pass_email_challenge, spawn_app, spawn_app_with,
    token_in, unique_email, TestApp, FIREFOX_LINUX, PASSWORD,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

// Forgot password.

#[tokio::test]
async fn forgot_password_answers_alike_resets_once_and_ends_every_session() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[("STOREFRONT_SMTP_URL", &mail.url())]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let html = app.page_html(&new_client(), "/signin").await;
    assert!(html.contains("Forgot password?"));

    let ask = |email: String| {
        let client = new_client();
        let url = app.url("/forgot-password");
        async move {
            client
                .post(url)
                .form(&[("email", email.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let known = ask(email.clone()).await;
    let unknown = ask(unique_email()).await;
    assert_eq!(known.status(), 303);
    assert_eq!(
        location(&known),
        location(&unknown),
        "the same answer either way"
    );
    let letter = mail.wait_for(&email, "reset your password").await;
    assert!(letter.text.contains("15 minutes"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail.received().len(), 1, "nothing for the unknown address");

    let link = app.path_of(&letter.link(&app.url("/reset-password?token=")));
    let token = token_in(&link);
    let visitor = new_client();
    // A too-short password is refused; the link still works afterwards.
    let response = visitor
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", "short")])
        .send()
        .await
        .unwrap();
    assert!(location(&response).starts_with("/reset-password?token="));
    // Two tabs submit at once: exactly one reset happens.
    let submit = || {
        visitor
            .post(app.url("/reset-password"))
            .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
            .send()
    };
    let (a, b) = tokio::join!(submit(), submit());
    let mut outcomes = [location(&a.unwrap()), location(&b.unwrap())];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            "/forgot-password".to_string(),
            "/signin?reset=1".to_string()
        ]
    );

    assert_eq!(
        app.account_page(&app.client).await.status(),
        303,
        "every session ended"
    );
    assert_eq!(
        location(&app.sign_in(&email, PASSWORD).await),
        "/signin?next=%2Faccount"
    );
    assert_eq!(
        location(&app.sign_in(&email, NEW_PASSWORD).await),
        "/account"
    );
    let receipt = mail.wait_for(&email, "your password was changed").await;
    assert!(receipt.text.contains("This wasn't me"));
    assert!(app
        .get_html("/account")
        .await
        .contains("Password changed with an email link"));
    let html = app.page_html(&new_client(), &link).await;
    assert!(html.contains("expired or was already used"));
}

#[tokio::test]
async fn an_enrolled_reset_needs_a_challenge_and_fails_closed_while_authsignal_is_down() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[
        ("STOREFRONT_SMTP_URL", &mail.url()),
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
    ])
    .await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    app.wait_for_activity("Added Email").await;

    new_client()
        .post(app.url("/forgot-password"))
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    let letter = mail.wait_for(&email, "reset your password").await;
    let token = token_in(&letter.link(&app.url("/reset-password?token=")));
    let visitor = new_client();
    let reset = || {
        visitor
            .post(app.url("/reset-password"))
            .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
            .send()
    };

    // Authsignal down: nothing changes, and the customer is told so.
    app.set_fault(json!({"route": "*", "status": 503})).await;
    let response = reset().await.unwrap();
    assert!(location(&response).starts_with("/reset-password?token="));
    let html = app.page_html(&visitor, &location(&response)).await;
    assert!(html.contains("your password was not changed"), "{html}");
    app.clear_faults().await;
    assert!(
        location(&app.sign_in(&email, PASSWORD).await).contains("/sandbox/"),
        "old password still works (two-step)"
    );

    // Up again: the reset goes through Authsignal's challenge first.
    let response = reset().await.unwrap();
    let challenge = location(&response);
    assert!(challenge.contains("/sandbox/"), "{challenge}");
    let back = pass_email_challenge(&app, &visitor, &challenge, &email).await;
    assert!(back.contains("/reset-password/return?token="), "{back}");
    let response = visitor.get(&back).send().await.unwrap();
    assert_eq!(location(&response), "/signin?reset=1");
    let response = app.sign_in_with(&new_client(), &email, NEW_PASSWORD).await;
    assert!(
        location(&response).contains("/sandbox/"),
        "the new password leads to the second step"
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

// "This wasn't me".
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
async fn a_new_browser_gets_a_receipt_and_this_wasnt_me_signs_out_everywhere() {
    let mail = MailServer::start().await;
    let app = spawn_app_with(&[("STOREFRONT_SMTP_URL", &mail.url())]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    // The browser that signed up is known: signing in there again sends nothing.
    app.client.post(app.url("/signout")).send().await.unwrap();
    app.sign_in(&email, PASSWORD).await;

    let intruder = browser(FIREFOX_LINUX);
    app.sign_in_with(&intruder, &email, PASSWORD).await;
    let receipt = mail
        .wait_for(&email, "new sign-in from Firefox on Linux")
        .await;
    assert!(receipt.text.contains("Network: 127.0.0.x"));
    assert_eq!(
        mail.to(&email, "new sign-in").len(),
        1,
        "only the new browser"
    );

    // Opening the link changes nothing (mail scanners open links); the button does.
    let not_me = app.path_of(&receipt.link(&app.url("/not-me?token=")));
    let visitor = new_client();
    let page = app.page_html(&visitor, &not_me).await;
    assert!(page.contains("Sign out everywhere and choose a new password"));
    assert_eq!(app.account_page(&intruder).await.status(), 200);

    let token = token_in(&not_me);
    let response = visitor
        .post(app.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let reset = location(&response);
    assert!(reset.starts_with("/reset-password?token="), "{reset}");
    assert_eq!(
        app.account_page(&intruder).await.status(),
        303,
        "the other browser is out"
    );
    assert_eq!(
        app.account_page(&app.client).await.status(),
        303,
        "and so is this one"
    );
    let html = app.page_html(&visitor, &reset).await;
    assert!(html.contains("signed out on every device") && html.contains("Set new password"));

    // The link works once.
    let response = visitor
        .post(app.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/forgot-password");
    let reset_token = token_in(&reset);
    let response = visitor
        .post(app.url("/reset-password"))
        .form(&[("token", reset_token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/signin?reset=1");
    assert_eq!(
        location(&app.sign_in_with(&new_client(), &email, NEW_PASSWORD).await),
        "/account"
    );
    app.sign_in(&email, NEW_PASSWORD).await;
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Reported") && html.contains("every device was signed out"),
        "{html}"
    );
}

#[tokio::test]
async fn this_wasnt_me_on_an_added_authenticator_removes_it() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    // Someone with the password adds their own second step.
    app.enroll_sms(&user_id, "+64279999888").await;
    app.wait_for_activity("Added SMS (+64 27 … 888)").await;
    let receipt = app.wait_for_mail(&email, "Added SMS").await;
    let token = token_in(&link_in(&receipt, "/not-me?token="));

    let owner = new_client();
    let response = owner
        .post(app.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    // Nothing is left to challenge a reset with: the account waits for support.
    assert!(location(&response).starts_with("/forgot-password"));
    let left = app
        .sandbox_api(
            Method::GET,
            &format!("/users/{user_id}/authenticators"),
            None,
        )
        .await;
    assert_eq!(left, json!([]), "the intruder's SMS is gone");
    assert!(app.user_store().await.release_hold(&user_id).await.unwrap());
    // Released by support: the customer chooses a new password by email, then signs in.
    let link = fresh_reset_link(&app, &app.client, &email).await;
    app.client
        .post(app.url("/reset-password"))
        .form(&[("token", link.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    app.sign_in(&email, NEW_PASSWORD).await;
    app.wait_for_activity("the added authenticator removed")
        .await;
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
    // The link from before the report no longer works, and a fresh one resets nothing.
    let response = attacker
        .post(app.url("/reset-password"))
        .form(&[("token", reset_token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        location(&response).starts_with("/forgot-password"),
        "revoked"
    );
    let fresh = fresh_reset_link(&app, &attacker, &email).await;
    let response = attacker
        .post(app.url("/reset-password"))
        .form(&[("token", fresh.as_str()), ("password", NEW_PASSWORD)])
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
    // The hold took the password away: whoever knew it is told it doesn't match.
    let refused = app.page_html(&app.client, &location(&response)).await;
    assert!(refused.contains("match an account"), "{refused}");

    // Support releases it: the old password no longer works, so the customer chooses a new
    // one by email, and the activity says what happened.
    assert!(app.user_store().await.release_hold(&user_id).await.unwrap());
    let response = app.sign_in(&email, PASSWORD).await;
    assert!(
        location(&response).starts_with("/signin"),
        "the old password is gone"
    );
    let link = fresh_reset_link(&app, &app.client, &email).await;
    let response = app
        .client
        .post(app.url("/reset-password"))
        .form(&[
            ("token", link.as_str()),
            ("password", "the owner's new passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/signin?reset=1");
    let response = app.sign_in(&email, "the owner's new passphrase").await;
    assert_eq!(location(&response), "/account");
    let account = app.get_html("/account").await;
    assert!(
        account.contains("the account held for support"),
        "{account}"
    );
}

/// Asks for a reset link as `client` and answers the token of the newest one mailed.
async fn fresh_reset_link(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let before = app.settled_mail_count(email, "reset your password").await;
    client
        .post(app.url("/forgot-password"))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        let mails = app.dev_mailbox(email).await;
        let resets: Vec<_> = mails
            .iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.contains("reset your password"))
            })
            .collect();
        if resets.len() > before {
            return token_in(&link_in(resets[0], "/reset-password?token="));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no fresh reset link for {email}");
}

#[tokio::test]
async fn an_email_code_to_the_accounts_own_inbox_is_no_second_factor_against_its_reader() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.enroll_sms(&user_id, "+64271234567").await;
    let sms_receipt = not_me_token(&app, &email, "Added SMS").await;
    // Only the inbox's own email code would be left to challenge a reset with: held.
    let held = report(&app, &new_client(), &sms_receipt).await;
    assert!(held.starts_with("/forgot-password"), "{held}");
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
    let flood = app.settled_mail_count(&email, "reset your password").await;
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
        app.settled_mail_count(&email, "reset your password").await,
        flood + 1
    );
}
