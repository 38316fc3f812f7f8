//! Black-box tests of sign-up, sign-in, sign-out and the protected account page.

use crate::support;

use support::{location, new_client, session_cookie, spawn_app, unique_email, PASSWORD};

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
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "Alan", PASSWORD).await;
    assert_eq!(app.get("/account").await.status(), 200);

    let response = app.post_form("/signout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert_eq!(app.get("/account").await.status(), 303);
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
async fn the_session_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    let response = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("storefront_session="))
        .expect("session cookie");
    assert!(cookie.starts_with("storefront_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http in development");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_site_is_https() {
    let app = support::spawn_public_app("https://shop.example.com").await;
    let response = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"));
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;

    // Signed in once, then again on the same browser: the id changes each time.
    let before = session_cookie(&app.sign_in(&email, PASSWORD).await).expect("a session cookie");
    let after = session_cookie(&app.sign_in(&email, PASSWORD).await).expect("a session cookie");
    assert_ne!(before, after);

    // The earlier id is not signed in any more.
    let stale = new_client();
    let response = stale
        .get(app.url("/account"))
        .header("cookie", before)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
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

#[tokio::test]
async fn names_are_escaped_in_pages() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "<script>alert(1)</script>", PASSWORD)
        .await;
    let html = app.get_html("/account").await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn the_shop_and_forms_render() {
    let app = spawn_app().await;
    let home = app.get_html("/").await;
    assert!(home.contains("Sign in") && home.contains("Featured"));
    let signup = app.get_html("/signup").await;
    for label in [">Email<", ">Name<", ">Password<", "Create account"] {
        assert!(signup.contains(label), "sign-up page has {label}");
    }
    let signin = app.get_html("/signin").await;
    assert!(signin.contains(">Email<") && signin.contains(">Sign in<"));
    assert_eq!(app.get("/no-such-page").await.status(), 404);
}

#[tokio::test]
async fn pages_carry_protective_headers() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(
        header("referrer-policy").as_deref(),
        Some("strict-origin-when-cross-origin")
    );
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
}

#[tokio::test]
async fn writes_from_another_site_are_refused() {
    let app = spawn_app().await;
    let email = unique_email();
    let form = [
        ("email", email.as_str()),
        ("name", "Ada"),
        ("password", PASSWORD),
    ];
    let cross = app
        .client
        .post(app.url("/signup"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let foreign = app
        .client
        .post(app.url("/signup"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let launch = app
        .client
        .post(app.url("/api/launch_authenticator_settings"))
        .header("sec-fetch-site", "same-site")
        .form(&[("intent", "Enroll")])
        .send()
        .await
        .unwrap();
    assert_eq!(launch.status(), 403, "server functions are covered too");

    // The same form from our own pages goes through.
    let own = app
        .client
        .post(app.url("/signup"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &app.address)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    assert_eq!(location(&own), "/account");
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let plain = app.get("/").await;
    assert!(
        plain.headers().get("content-encoding").is_none(),
        "identity when not asked"
    );
}
