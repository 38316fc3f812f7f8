//! Sign-up: the account it creates and signs in, what it refuses and why (a taken or invalid
//! email, invisible characters, too many from one network), and what a refused form keeps.

use crate::support;

use support::{
    location, new_client, session_rows, spawn_app, spawn_app_with, unique_email, PASSWORD,
};

#[tokio::test]
async fn signing_up_signs_the_customer_in_and_shows_their_account() {
    let app = spawn_app().await;
    let email = unique_email();

    let response = app.sign_up(&email, "Ada Lovelace", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account");

    let html = app.get_html("/account").await;
    assert!(html.contains("Ada Lovelace"), "name shown");
    assert!(html.contains(&email), "email shown");
}

#[tokio::test]
async fn a_duplicate_email_is_refused_with_a_message_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "First", PASSWORD).await;
    app.post_form("/signout", &[]).await;

    let response = app
        .sign_up(&email.to_uppercase(), "Second Person", PASSWORD)
        .await;
    assert_eq!(location(&response), "/signup");
    let html = app.get_html("/signup").await;
    assert!(html.contains("An account with this email already exists"));
    assert!(
        html.contains(&format!(r#"value="{}""#, email.to_uppercase())),
        "email kept"
    );
    assert!(html.contains(r#"value="Second Person""#), "name kept");
    assert!(!html.contains(PASSWORD), "password never echoed");

    // The message is shown once, not forever.
    assert!(!app.get_html("/signup").await.contains("already exists"));
}

#[tokio::test]
async fn invalid_sign_up_input_gets_a_clear_message() {
    let app = spawn_app().await;
    for (email, name, password, message) in [
        (
            "not-an-email",
            "Ada",
            PASSWORD,
            "Enter an email address like",
        ),
        (&unique_email() as &str, "   ", PASSWORD, "Enter your name."),
        (
            &unique_email() as &str,
            "Ada",
            "short",
            "Use at least 10 characters",
        ),
    ] {
        let response = app.sign_up(email, name, password).await;
        assert_eq!(location(&response), "/signup");
        let html = app.get_html("/signup").await;
        assert!(html.contains(message), "expected {message:?}");
    }
    // A post with fields missing is a form error too, not a crash.
    let response = app
        .post_form("/signup", &[("email", "x@example.com")])
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn invisible_characters_are_refused_and_idn_domains_are_one_account() {
    let app = spawn_app().await;
    for sneaky in [
        "ada\u{200B}@example.com",
        "ada@exam\u{202E}ple.com",
        "a\u{2066}da@example.com",
    ] {
        let refused = app.sign_up(sneaky, "Ada", PASSWORD).await;
        assert_eq!(location(&refused), "/signup", "{sneaky:?}");
        assert!(app
            .get_html("/signup")
            .await
            .contains("Enter an email address like"));
    }
    let local = format!("ada{}", std::process::id());
    assert_eq!(
        location(
            &app.sign_up(&format!("{local}@Bücher.example"), "Ada", PASSWORD)
                .await
        ),
        "/account"
    );
    app.post_form("/signout", &[]).await;
    assert_eq!(
        location(
            &app.sign_in(&format!("{local}@xn--bcher-kva.example"), PASSWORD)
                .await
        ),
        "/account",
        "one mailbox, one account"
    );
    let taken = app
        .sign_up(&format!("{local}@xn--bcher-kva.example"), "Eve", PASSWORD)
        .await;
    assert_eq!(location(&taken), "/signup");
}

#[tokio::test]
async fn anonymous_refused_forms_store_nothing_but_keep_what_was_typed() {
    let app = spawn_app().await;
    for n in 0..200 {
        let response = new_client()
            .post(app.url("/signup"))
            .form(&[
                ("email", format!("bad{n}")),
                ("name", "Eve".into()),
                ("password", PASSWORD.into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response), "/signup");
    }
    for n in 0..10 {
        new_client()
            .post(app.url("/signin"))
            .form(&[
                ("email", format!("nobody{n}@example.com").as_str()),
                ("password", "guess"),
                ("next", "/account"),
            ])
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        session_rows(&app).await,
        0,
        "no session row for anonymous refused posts"
    );

    let refused = app.sign_up("typed-by-hand", "Ada <b>", PASSWORD).await;
    let html = app.get_html(&location(&refused)).await;
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "the reason is shown"
    );
    assert!(
        html.contains(r#"value="typed-by-hand""#) && html.contains("Ada &lt;b&gt;"),
        "what was typed comes back, escaped"
    );
    let again = app.get_html("/signup").await;
    assert!(!again.contains("typed-by-hand"), "and only once");
}

#[tokio::test]
async fn sign_ups_are_limited_per_address() {
    let app = spawn_app_with(&[("STOREFRONT_SIGN_UPS_PER_IP", "3")]).await;
    for _ in 0..3 {
        assert_eq!(
            location(
                &app.sign_up_with(&new_client(), &unique_email(), "Ada", PASSWORD)
                    .await
            ),
            "/account"
        );
    }
    let refused = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    assert_eq!(location(&refused), "/signup");
    assert!(app
        .get_html("/signup")
        .await
        .contains("Too many accounts were created from your network"));
}

#[tokio::test]
async fn the_owner_of_a_taken_address_hears_of_a_sign_up_attempt() {
    let app = spawn_app_with(&[]).await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    new_client()
        .post(app.url("/signup"))
        .form(&[
            ("email", email.as_str()),
            ("name", "Eve"),
            ("password", "another passphrase"),
        ])
        .send()
        .await
        .unwrap();
    let mail = app.wait_for_mail(&email, "tried to sign up").await;
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains("Hello Ada,") && text.contains("/signin"),
        "{text}"
    );
    assert!(
        !text.contains("Eve"),
        "nothing the stranger typed is repeated"
    );
}
