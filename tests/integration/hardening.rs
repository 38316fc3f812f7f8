//! Hardening, tried from outside the way an attacker would: protective headers, CSP with a
//! nonce per response (kept public pages too), HSTS, writes from other sites, escaping, body
//! limits, unreadable input, and the embedded sandbox kept off networks and inside the layers.

use crate::support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::{launch, location, spawn_app, unique_email, PASSWORD};

// Headers and the content security policy.

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

// Hostile requests.

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
async fn names_are_escaped_in_pages() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "<script>alert(1)</script>", PASSWORD)
        .await;
    let html = app.get_html("/account").await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;"));
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

// The embedded sandbox.
/// Starts the real binary with `vars`; it must exit by itself. Its success and its stderr.
async fn binary_exit(vars: &[(&str, &str)]) -> (bool, String) {
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_storefront"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("STOREFRONT_DATA_DIR", data.path())
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env_remove("AUTHSIGNAL_SECRET_KEY")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("STOREFRONT_BASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        command.env(k, v);
    }
    let child = command.spawn().expect("start the storefront binary");
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("the storefront refused to start, rather than serving")
    .unwrap()
    .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[tokio::test]
async fn the_embedded_sandbox_never_faces_a_network() {
    for vars in [
        &[("STOREFRONT_BASE_URL", "https://shop.example.com")][..],
        &[
            ("STOREFRONT_BASE_URL", "http://localhost:3000"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:0"),
        ][..],
        &[("AUTHSIGNAL_SECRET_KEY", "")][..],
    ] {
        let (ok, stderr) = binary_exit(vars).await;
        assert!(!ok, "{vars:?} must not start");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.contains("AUTHSIGNAL_SECRET_KEY"),
            "{vars:?}: one line naming the variable, got {stderr}"
        );
    }

    // A public shop with a tenant key mounts no sandbox: no outbox, no sandbox API.
    let public = support::spawn_public_app("https://shop.example.com").await;
    assert_eq!(
        public
            .get("/sandbox/outbox/messages?to=a@example.com")
            .await
            .status(),
        404
    );
    let api = public
        .client
        .get(public.url("/sandbox/v1/users/x"))
        .basic_auth("sandbox-secret", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
}

#[tokio::test]
async fn the_embedded_sandbox_sits_inside_the_storefronts_layers() {
    let app = spawn_app().await;
    let outbox = app.get("/sandbox/outbox").await;
    assert_eq!(outbox.status(), 200);
    assert_eq!(outbox.headers()["x-content-type-options"], "nosniff");
    assert_eq!(outbox.headers()["x-frame-options"], "DENY");
    let policy = outbox.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    let huge = "a".repeat(200 * 1024);
    let response = app
        .client
        .post(app.url("/sandbox/v1/users/u/actions/signIn"))
        .basic_auth("sandbox-secret", Some(""))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        413,
        "the storefront's body limit covers the sandbox too"
    );
}
