//! The upstream fault matrix, end to end over real HTTP: for each way Authsignal can fail
//! (refused, timeout, 429, 500, 503, malformed JSON, wrong secret key) and each place it is
//! called (page load, launch, return), the customer sees a clear message, the session
//! survives, the server keeps serving and nothing panics.
//!
//! Set-up per fault: a standalone sandbox; a "healthy" storefront that signs the customer up
//! and launches the pre-built UI; then a second storefront on the same data folder (sessions
//! and customers shared, as after a restart) whose upstream is broken in that way.

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use support::{
    free_port, launch, location, spawn_app_sharing, standalone_sandbox, unique_email,
    StandaloneSandbox, TestApp, PASSWORD,
};

const SECRET: &str = "fault-matrix-secret";
const UNAVAILABLE: &str = "Security settings are temporarily unavailable";
const LAUNCH_FAILED: &str = "nothing was changed";
const CANNOT_CONFIRM: &str = "security provider isn";

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics anywhere in this test process (server tasks included).
fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Refused,
    Timeout,
    TooManyRequests,
    ServerError,
    Unavailable,
    MalformedJson,
    WrongSecretKey,
}

async fn healthy_instance(data: Arc<tempfile::TempDir>, sandbox: &StandaloneSandbox) -> TestApp {
    spawn_app_sharing(
        data,
        &[
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_API_URL", &sandbox.api_url),
        ],
    )
    .await
}

/// A storefront whose upstream fails in the way `fault` says.
async fn broken_instance(
    fault: Fault,
    data: Arc<tempfile::TempDir>,
    sandbox: &StandaloneSandbox,
) -> TestApp {
    let dead_port = free_port();
    let dead_api = format!("http://127.0.0.1:{dead_port}/v1");
    let (secret, api) = match fault {
        Fault::Refused => (SECRET, dead_api.as_str()),
        Fault::WrongSecretKey => ("sk_not_the_right_key", sandbox.api_url.as_str()),
        _ => (SECRET, sandbox.api_url.as_str()),
    };
    let app = spawn_app_sharing(
        data,
        &[
            ("AUTHSIGNAL_SECRET_KEY", secret),
            ("AUTHSIGNAL_API_URL", api),
            ("AUTHSIGNAL_TIMEOUT_MS", "300"),
        ],
    )
    .await;
    let injected = match fault {
        Fault::Timeout => Some(json!({"route": "*", "latencyMs": 1500})),
        Fault::TooManyRequests => Some(json!({"route": "*", "status": 429})),
        Fault::ServerError => Some(json!({"route": "*", "status": 500})),
        Fault::Unavailable => Some(json!({"route": "*", "status": 503})),
        Fault::MalformedJson => Some(json!({"route": "*", "malformedBody": true})),
        Fault::Refused | Fault::WrongSecretKey => None,
    };
    if let Some(fault) = injected {
        sandbox.set_fault(fault).await;
    }
    app
}

/// The account page through `client`, following the 303 that clears a token.
async fn account(app: &TestApp, client: &reqwest::Client, query: &str) -> String {
    let response = client
        .get(app.url(&format!("/account{query}")))
        .send()
        .await
        .unwrap();
    let response = if response.status() == 303 {
        assert_eq!(
            location(&response),
            "/account",
            "a return lands on a clean /account"
        );
        client.get(app.url("/account")).send().await.unwrap()
    } else {
        response
    };
    assert_eq!(
        response.status(),
        200,
        "the account page renders (still signed in)"
    );
    response.text().await.unwrap()
}

async fn run(fault: Fault) {
    count_panics();
    let data = Arc::new(tempfile::tempdir().unwrap());
    let sandbox = standalone_sandbox(SECRET).await;
    let healthy = healthy_instance(data.clone(), &sandbox).await;
    let email = unique_email();
    healthy.sign_up(&email, "Ada", PASSWORD).await;
    let launched = launch(&healthy.client, &healthy).await;
    assert!(
        launched.starts_with(&sandbox.base()),
        "healthy launch: {launched}"
    );

    let broken = broken_instance(fault, data.clone(), &sandbox).await;
    let browser = &healthy.client; // the same cookie jar: the customer's browser

    // Page load: the section says it is unavailable; the rest of the page renders.
    let html = account(&broken, browser, "").await;
    assert!(html.contains(UNAVAILABLE), "{fault:?} page load: {html}");
    assert!(
        html.contains(&email),
        "{fault:?}: the rest of the page renders"
    );

    // Return: the launch made before the fault cannot be confirmed; the message says why.
    let html = account(
        &broken,
        browser,
        "/return?token=eyJhbGciOiJIUzI1NiJ9.e30.sig",
    )
    .await;
    assert!(html.contains(CANNOT_CONFIRM), "{fault:?} return: {html}");

    // Launch: comes back to the account page with a message.
    assert_eq!(
        launch(browser, &broken).await,
        "/account",
        "{fault:?} launch"
    );
    let html = account(&broken, browser, "").await;
    assert!(
        html.contains(LAUNCH_FAILED),
        "{fault:?} launch message: {html}"
    );

    // The broken instance still serves, and once the fault is gone the same session works fully.
    assert_eq!(broken.get("/healthz").await.status(), 200);
    sandbox.clear_faults().await;
    let html = account(&healthy, browser, "").await;
    assert!(
        html.contains("Two-step sign-in is off"),
        "{fault:?}: recovered with the same session"
    );
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "no panic anywhere");
}

#[tokio::test]
async fn upstream_refused() {
    run(Fault::Refused).await;
}

#[tokio::test]
async fn upstream_timeout() {
    run(Fault::Timeout).await;
}

#[tokio::test]
async fn upstream_429() {
    run(Fault::TooManyRequests).await;
}

#[tokio::test]
async fn upstream_500() {
    run(Fault::ServerError).await;
}

#[tokio::test]
async fn upstream_503() {
    run(Fault::Unavailable).await;
}

#[tokio::test]
async fn upstream_malformed_json() {
    run(Fault::MalformedJson).await;
}

#[tokio::test]
async fn wrong_secret_key() {
    run(Fault::WrongSecretKey).await;
}
