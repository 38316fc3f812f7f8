//! The account page's security section and its server functions, against the embedded
//! sandbox (and, for counting upstream calls, a mock Authsignal over real HTTP).

use crate::support;

use serde_json::{json, Value};
use support::{location, spawn_app, spawn_app_with, unique_email, TestApp, PASSWORD};

async fn signed_in_app() -> (TestApp, String) {
    let app = support::spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    (app, email)
}

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

#[tokio::test]
async fn when_authsignal_fails_the_section_says_so_and_the_page_still_renders() {
    let (app, email) = signed_in_app().await;
    for fault in [
        json!({"route": "getUser", "status": 503}),
        json!({"route": "getAuthenticators", "malformedBody": true}),
        json!({"route": "*", "status": 429}),
    ] {
        app.set_fault(fault.clone()).await;
        let response = app.get("/account").await;
        assert_eq!(response.status(), 200, "{fault}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Security settings are temporarily unavailable"),
            "{fault}"
        );
        assert!(
            html.contains(&email),
            "the rest of the page renders ({fault})"
        );
        let near_503 = html
            .find("503")
            .map(|i| &html[i.saturating_sub(80)..(i + 80).min(html.len())]);
        assert!(
            !html.contains("HTTP 503") && !html.contains("too_many_requests"),
            "no raw upstream error: {near_503:?}"
        );
        app.clear_faults().await;
    }
    assert!(
        app.get_html("/account")
            .await
            .contains("Two-step sign-in is off"),
        "recovers once the fault is gone"
    );
}

#[tokio::test]
async fn a_launch_during_an_outage_comes_back_with_a_message() {
    let (app, _) = signed_in_app().await;
    app.set_fault(json!({"route": "track", "status": 500}))
        .await;
    let target: String = app
        .server_fn("launch_authenticator_settings", &[("intent", "Enroll")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(target, "/account");
    assert!(app
        .get_html("/account")
        .await
        .contains("nothing was changed"));
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
