//! Popup mode (`&mode=popup`, appended by the Web SDK's `launch(url, {mode: "popup"})`):
//! the mode survives the whole visit, pages may be framed by the app's origin only, and the
//! visit ends on a page that hands the token to that origin instead of a 303.

use crate::common;

use common::{Page, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const APP_ORIGIN: &str = "https://app.example";
const APP_RETURN: &str = "https://app.example/account?tab=security";

fn popup_url(tracked: &Value) -> String {
    format!("{}&mode=popup", tracked["url"].as_str().expect("url"))
}

fn frame_ancestors(page: &Page) -> Option<String> {
    page.header("content-security-policy")?
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("frame-ancestors "))
        .map(str::to_owned)
}

/// Every value of the attribute `name` in the page, unescaped.
fn attributes(page: &Page, name: &str) -> Vec<String> {
    let marker = format!(r#"{name}=""#);
    page.html
        .split(&marker)
        .skip(1)
        .map(|rest| {
            rest.split('"')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&")
        })
        .collect()
}

/// Framed by `origin` only, talking to `origin` only.
fn assert_popup_page(page: &Page, origin: &str) {
    let context = format!("{} {}: {}", page.status, page.url, page.html);
    assert_eq!(frame_ancestors(page).as_deref(), Some(origin), "{context}");
    assert_eq!(page.header("x-frame-options"), None, "{context}");
    assert_eq!(
        attributes(page, "data-target-origin"),
        vec![origin.to_owned()],
        "{context}"
    );
    assert!(page.has("/ui/popup.js"), "{context}");
}

/// A page of an ordinary (redirect-mode) visit: nobody may frame it, nothing is posted.
fn assert_unframed_page(page: &Page) {
    let context = format!("{}: {}", page.url, page.html);
    assert_eq!(
        frame_ancestors(page).as_deref(),
        Some("'none'"),
        "{context}"
    );
    assert_eq!(page.header("x-frame-options"), None, "{context}");
    assert!(
        !page.has("popup.js") && !page.has("data-target-origin"),
        "{context}"
    );
}

/// The end of a popup visit: a page (no 303) carrying a token that validates for this
/// user and action, for the app's origin only; without script, a link back with it.
async fn assert_done_page(app: &TestApp, done: &Page, user_id: &str, action: &str) {
    assert_eq!(done.status, StatusCode::OK, "no 303: {}", done.url);
    assert!(done.header("location").is_none());
    assert_popup_page(done, APP_ORIGIN);
    let token = attributes(done, "data-token").pop().expect("a token");
    let validated = app
        .validate(json!({ "token": token, "userId": user_id, "action": action }))
        .await;
    assert_eq!(validated["isValid"], true, "{validated}");
    assert_eq!(
        attributes(done, "data-return-url"),
        vec![format!("{APP_RETURN}&token={token}")]
    );
}

#[tokio::test]
async fn popup_mode_survives_an_email_enrollment_and_hands_the_token_to_the_app() {
    let app = TestApp::spawn().await;
    let tracked = app
        .track("u1", "enroll", json!({ "redirectUrl": APP_RETURN }))
        .await;
    let choice = app.open(&popup_url(&tracked)).await;
    assert_eq!(choice.status, StatusCode::OK);
    assert!(choice.has("Set up an authenticator"));
    assert_popup_page(&choice, APP_ORIGIN);
    let s = choice.s();
    assert_popup_page(&app.screen("/enroll/email", &s).await, APP_ORIGIN);
    let bad = app
        .submit("/enroll/email", &[("s", &s), ("email", "not an email")])
        .await;
    assert_popup_page(&bad, APP_ORIGIN);
    let verify = app
        .submit("/enroll/email", &[("s", &s), ("email", "jane@example.com")])
        .await;
    assert!(verify.has("Check your email"), "{}", verify.html);
    assert_popup_page(&verify, APP_ORIGIN);
    let wrong = app
        .submit("/enroll/verify", &[("s", &s), ("code", "abcdef")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_popup_page(&wrong, APP_ORIGIN);
    let code = app.latest_code("jane@example.com").await;
    let done = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert_done_page(&app, &done, "u1", "enroll").await;
}

#[tokio::test]
async fn popup_mode_survives_a_challenge_and_the_settings_screen() {
    let app = TestApp::spawn().await;
    app.enroll_email("u2", "jane@example.com").await;
    let tracked = app.track_manage("u2").await;
    let challenge = app.open(&popup_url(&tracked)).await;
    assert!(challenge.has("Verify it's you"), "{}", challenge.html);
    assert_popup_page(&challenge, APP_ORIGIN);
    let s = challenge.s();
    let code = app.latest_code("jane@example.com").await;
    let settings = app
        .submit("/challenge", &[("s", &s), ("code", &code)])
        .await;
    assert!(settings.has("<h1>Your authenticators</h1>"));
    assert_popup_page(&settings, APP_ORIGIN);

    let add = app.screen("/enroll", &s).await;
    assert!(add.has("Add an authenticator"));
    assert_popup_page(&add, APP_ORIGIN);
    let texted = app
        .submit(
            "/enroll/sms",
            &[("s", &s), ("phoneNumber", "+64 21 555 0123")],
        )
        .await;
    assert_popup_page(&texted, APP_ORIGIN);
    let code = app.latest_code("+64215550123").await;
    let added = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert!(added.has("Authenticator added."), "{}", added.html);
    assert_popup_page(&added, APP_ORIGIN);
    let sms = added.authenticator_id("SMS");
    let default = app
        .submit("/settings/default", &[("s", &s), ("authenticatorId", &sms)])
        .await;
    assert!(default.has("Default method updated."));
    assert_popup_page(&default, APP_ORIGIN);

    let done = app.submit("/done", &[("s", &s)]).await;
    assert_done_page(&app, &done, "u2", "manage").await;
}

#[tokio::test]
async fn redirect_mode_pages_refuse_every_frame_and_end_in_a_303() {
    let app = TestApp::spawn().await;
    app.enroll_email("u3", "jane@example.com").await;
    let tracked = app.track_manage("u3").await;
    // Only `popup` opens a popup visit; other modes are the ordinary redirect.
    let url = format!("{}&mode=*", tracked["url"].as_str().expect("url"));
    let challenge = app.open(&url).await;
    assert_unframed_page(&challenge);
    let s = challenge.s();
    let code = app.latest_code("jane@example.com").await;
    let settings = app
        .submit("/challenge", &[("s", &s), ("code", &code)])
        .await;
    assert_unframed_page(&settings);
    let back = app.submit("/done", &[("s", &s)]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(back.url.starts_with(&format!("{APP_RETURN}&token=")));
}

#[tokio::test]
async fn a_popup_visit_names_no_origin_but_the_redirect_urls() {
    let app = TestApp::spawn().await;
    app.enroll_email("u4", "jane@example.com").await;
    let origin = "https://app.example:8443";
    let tracked = app
        .track(
            "u4",
            "signIn",
            json!({ "redirectUrl": "https://app.example:8443/back?next=https://evil.example/&from=http://127.0.0.1" }),
        )
        .await;
    let challenge = app.open(&popup_url(&tracked)).await;
    assert_popup_page(&challenge, origin);
    let s = challenge.s();
    let code = app.latest_code("jane@example.com").await;
    let done = app
        .submit("/challenge", &[("s", &s), ("code", &code)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_popup_page(&done, origin);
    let csp = done.header("content-security-policy").unwrap_or_default();
    assert!(!csp.contains('*') && !csp.contains("evil"), "{csp}");

    // Without a redirectUrl there is no origin to talk to: not framable, no message.
    let tracked = app.track("u4", "signIn", json!({})).await;
    let challenge = app.open(&popup_url(&tracked)).await;
    assert_unframed_page(&challenge);
    let code = app.latest_code("jane@example.com").await;
    let done = app
        .submit("/challenge", &[("s", &challenge.s()), ("code", &code)])
        .await;
    assert!(
        done.has("All done") && !done.has("data-token"),
        "{}",
        done.html
    );
    assert_unframed_page(&done);
}

#[tokio::test]
async fn an_app_on_the_sandboxs_own_origin_may_frame_it_as_sameorigin() {
    let app = TestApp::spawn().await;
    let own = url::Url::parse(&app.base).expect("base").origin();
    let own = own.ascii_serialization();
    let tracked = app
        .track(
            "u5",
            "enroll",
            json!({ "redirectUrl": format!("{own}/account") }),
        )
        .await;
    let choice = app.open(&popup_url(&tracked)).await;
    assert_eq!(frame_ancestors(&choice).as_deref(), Some(own.as_str()));
    assert_eq!(choice.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(attributes(&choice, "data-target-origin"), vec![own]);
}

#[tokio::test]
async fn an_expired_popup_visit_offers_to_close_the_popup() {
    let app = TestApp::spawn().await;
    app.enroll_email("u6", "jane@example.com").await;
    let tracked = app.track_manage("u6").await;
    let s = app.open(&popup_url(&tracked)).await.s();
    app.advance(31 * 60);
    let expired = app.screen("/challenge", &s).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_popup_page(&expired, APP_ORIGIN);
    assert!(
        expired.has(r#"class="button" href="https://app.example/account?tab=security" data-popup-close>Return to the app"#),
        "{}",
        expired.html
    );
}

#[tokio::test]
async fn popup_js_posts_json_events_to_the_named_origin_only() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/ui/popup.js", app.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header("content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    let script = response.text().await.expect("script");
    for expected in [
        "AUTHSIGNAL_READY",
        "AUTHSIGNAL_CLOSE_POPUP",
        "JSON.stringify",
        "postMessage(message, origin)",
    ] {
        assert!(script.contains(expected), "{expected}");
    }
    assert!(!script.contains("postMessage(message, \"*\")"));
}
