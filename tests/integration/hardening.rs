//! Hostile input and protective behaviour: CSP with nonces, HSTS, body limits, unreadable
//! forms and server-function calls, sign-in rate limits, stale sessions, readiness.

use crate::support;

use serde_json::Value;
use support::{
    launch, location, new_client, session_cookie, spawn_app, spawn_app_with,
    spawn_app_with_test_hooks, unique_email, PASSWORD,
};

#[tokio::test]
async fn pages_carry_a_nonce_csp_that_matches_every_inline_script() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    for path in ["/", "/account", "/no-such-page"] {
        let response = app.get(path).await;
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let html = response.text().await.unwrap();
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"));
        assert!(
            policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"),
            "{policy}"
        );
        let inline_scripts = html.matches("<script").count();
        assert!(inline_scripts > 0, "{path}: the hydration script is there");
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            inline_scripts,
            "{path}: every script carries this nonce"
        );
    }
    let first = app.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let second = app.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second, "a fresh nonce per response");
}

/// Reads a page's policy nonce and checks every inline script carries it.
async fn nonce_of_page(response: reqwest::Response) -> (String, String) {
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"))
        .to_string();
    // Inline ones: a `<script src=…>` comes from this origin and needs none.
    let inline_scripts = html
        .split("<script")
        .skip(1)
        .filter(|tag| !tag.split('>').next().unwrap_or("").contains("src="))
        .count();
    assert!(inline_scripts > 0, "the hydration script is there");
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        inline_scripts,
        "every inline script carries this response's nonce"
    );
    (nonce, html)
}

/// Public pages are kept per process for visitors without cookies: the kept copy still gets
/// a fresh nonce every time, and nothing personal is ever served from it, or kept.
#[tokio::test]
async fn kept_public_pages_get_a_fresh_nonce_and_never_show_anyone_else() {
    let app = spawn_app().await;
    let visitor = reqwest::Client::new();
    for path in ["/", "/signin", "/signup", "/forgot-password"] {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let response = visitor.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            assert!(response.headers().get("set-cookie").is_none(), "{path}");
            let (nonce, html) = nonce_of_page(response).await;
            assert!(html.contains("Create account"), "{path}: signed out");
            seen.push(nonce);
        }
        seen.dedup();
        assert_eq!(seen.len(), 3, "{path}: a new nonce per response: {seen:?}");
    }
    // A customer signed in sees their own header on the same paths, never the kept copy.
    app.sign_up(&unique_email(), "Grace", PASSWORD).await;
    let (_, html) = nonce_of_page(app.get("/").await).await;
    assert!(html.contains("Grace") && !html.contains("Create account"));
    // What the query asks for is rendered, not served from the kept copy.
    let html = visitor
        .get(app.url("/signin?next=%2Faccount%2Fadd-passkey"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"/account/add-passkey\""),
        "the next page is kept in the form"
    );
    // And a signed-out visit after that one still gets the anonymous page.
    let (_, html) = nonce_of_page(visitor.get(app.url("/")).send().await.unwrap()).await;
    assert!(!html.contains("Grace"));
}

#[tokio::test]
async fn non_page_responses_get_a_locked_down_policy() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_site_is_https() {
    let plain = spawn_app().await;
    assert!(plain
        .get("/")
        .await
        .headers()
        .get("strict-transport-security")
        .is_none());
    let https = support::spawn_public_app("https://shop.example").await;
    let response = https.get("/").await;
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app().await;
    let huge = "a".repeat(200 * 1024);
    let response = app
        .post_form(
            "/signup",
            &[("email", "a@b.co"), ("name", &huge), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 413);
    let response = app
        .client
        .post(app.url("/api/launch_authenticator_settings"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("intent={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
}

#[tokio::test]
async fn unreadable_forms_get_400_with_a_message() {
    let app = spawn_app().await;
    for (content_type, body) in [
        (
            "application/x-www-form-urlencoded",
            &b"email=a%40b.co&email=c%40d.co&password=x"[..],
        ),
        ("application/json", &br#"{"email": "a@b.co"}"#[..]),
        ("text/plain", &b"whatever"[..]),
    ] {
        for path in ["/signin", "/signup"] {
            let response = app
                .client
                .post(app.url(path))
                .header("content-type", content_type)
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{path} with {content_type}");
            assert!(response
                .text()
                .await
                .unwrap()
                .contains("That form could not be read"));
        }
    }
}

#[tokio::test]
async fn unreadable_server_function_calls_get_400_with_a_message() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    for (content_type, body) in [
        (
            "application/x-www-form-urlencoded",
            "intent=Launch-the-missiles",
        ),
        ("application/x-www-form-urlencoded", ""),
        ("application/json", "{not json"),
    ] {
        let response = app
            .client
            .post(app.url("/api/launch_authenticator_settings"))
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{content_type}: {body:?}");
        assert!(response.text().await.unwrap().contains("BadRequest"));
    }
    // A well-formed call still works afterwards (`launch` asserts the 200).
    launch(&app.client, &app).await;
}

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

#[tokio::test]
async fn a_session_cookie_is_useless_after_sign_out() {
    let app = spawn_app().await;
    let signed_up = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let old = session_cookie(&signed_up).expect("session cookie issued at sign-up");
    app.post_form("/signout", &[]).await;

    let replay = new_client()
        .get(app.url("/account"))
        .header("cookie", &old)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        303,
        "the old session id no longer signs anyone in"
    );
    assert!(location(&replay).starts_with("/signin"));
}

#[tokio::test]
async fn readiness_checks_storage_and_reports_authsignal_without_failing_on_it() {
    let app = spawn_app_with_test_hooks().await;
    let report: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(report["ready"], true, "{report}");
    assert_eq!(report["database"]["backend"], "sqlite");
    assert_eq!(report["sessions"]["backend"], "sqlite");
    assert_eq!(report["authsignal"]["ok"], true);

    app.set_fault(serde_json::json!({"route": "*", "status": 503}))
        .await;
    // Authsignal is asked at most every 5 s, however often the load balancer polls.
    tokio::time::sleep(std::time::Duration::from_millis(5_100)).await;
    let response = app.get("/readyz").await;
    assert_eq!(
        response.status(),
        200,
        "Authsignal down does not take the shop out of rotation"
    );
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["authsignal"]["ok"], false);
    assert!(report["authsignal"]["error"].is_string());
    assert!(!report.to_string().contains("sandbox-secret"));
}
