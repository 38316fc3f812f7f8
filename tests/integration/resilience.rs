//! Resilience: what the customer and the operator see when what the shop depends on fails or
//! stops: Authsignal's fault matrix over real HTTP, the security section during an outage,
//! readiness, losing Redis, and SIGTERM on the real binary.

use crate::support;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{
    free_port, launch, location, new_client, signed_in_app, spawn_app_sharing,
    spawn_app_with_test_hooks, standalone_sandbox, unique_email, StandaloneSandbox, TestApp,
    PASSWORD,
};

// The upstream fault matrix, end to end over real HTTP: for each way Authsignal can fail
// (refused, timeout, 429, 500, 503, malformed JSON, wrong secret key) and each place it is
// called (page load, launch, return), the customer sees a clear message, the session
// survives, the server keeps serving and nothing panics.
//
// Set-up per fault: a standalone sandbox; a "healthy" storefront that signs the customer up
// and launches the pre-built UI; then a second storefront on the same data folder (sessions
// and customers shared, as after a restart) whose upstream is broken in that way.

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

// The embedded sandbox failing on purpose (its test hooks).

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

// Readiness.

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

#[tokio::test]
async fn readiness_asks_authsignal_at_most_once_per_few_seconds_and_echoes_nothing() {
    let app = spawn_app_with_test_hooks().await;
    app.client
        .delete(app.url("/sandbox/_test/stats"))
        .send()
        .await
        .unwrap();
    let polls: Vec<_> = (0..20)
        .map(|_| app.client.get(app.url("/readyz")).send())
        .collect();
    for poll in polls {
        assert_eq!(poll.await.unwrap().status(), 200);
    }
    let stats: Value = app.get("/sandbox/_test/stats").await.json().await.unwrap();
    assert_eq!(
        stats["total"], 1,
        "twenty polls, one upstream call: {stats}"
    );

    app.set_fault(json!({"route": "*", "malformedBody": true}))
        .await;
    tokio::time::sleep(Duration::from_millis(5_100)).await;
    let report: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(report["authsignal"]["ok"], false, "{report}");
    assert_eq!(
        report["authsignal"]["error"], "unexpected answer",
        "our words, not the upstream's"
    );
}

// Losing Redis.
/// A Redis of the test's own, on a free port, so it can be stopped and started again.
struct OwnRedis {
    port: u16,
    process: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let process = std::process::Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (scripts/services.sh installs it)");
        OwnRedis { port, process }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn losing_redis_makes_the_instance_unready_and_it_heals_when_redis_returns() {
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    wait_for("redis to start", async || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    let sandbox = standalone_sandbox(SECRET).await;
    let data = Arc::new(tempfile::tempdir().unwrap());
    let url = redis.url();
    let app = spawn_app_sharing(
        data,
        &[
            ("REDIS_URL", url.as_str()),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_API_URL", &sandbox.api_url),
        ],
    )
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;

    redis.stop();
    wait_for("/readyz to say 503", async || {
        app.get("/readyz").await.status() == 503
    })
    .await;
    let report: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(report["sessions"]["ok"], false);
    assert_eq!(report["database"]["ok"], true);
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "alive, just not ready"
    );
    let page = app
        .client
        .get(app.url("/account"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        503,
        "not sent to sign in: the session can't be read"
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("having trouble right now"),
        "a readable page, not a blank one"
    );

    // This Redis keeps nothing on disk, so the session is gone; signing in works again at once.
    let _redis = OwnRedis::start(port);
    wait_for("/readyz to recover", async || {
        app.get("/readyz").await.status() == 200
    })
    .await;
    let signed_in = app.sign_in(&email, PASSWORD).await;
    assert_eq!(
        support::location(&signed_in),
        "/account",
        "sessions work again without a restart"
    );
    assert!(app.get_html("/account").await.contains(&email));
}

// SIGTERM on the real binary: a request already in flight completes, new connections are
// refused, and the process exits cleanly.

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_zero() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = data.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_storefront"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("STOREFRONT_BASE_URL", &base)
        .env("STOREFRONT_DATA_DIR", data.path())
        .env("AUTHSIGNAL_SANDBOX_FAULTS", "1")
        .env("AUTHSIGNAL_TIMEOUT_MS", "5000")
        .env_remove("AUTHSIGNAL_SECRET_KEY")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("start the storefront binary");

    let client = new_client();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let email = unique_email();
    let signed_up = client
        .post(format!("{base}/signup"))
        .form(&[
            ("email", email.as_str()),
            ("name", "Ada"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 303);
    // Every Authsignal call now takes 1.5 s, so the page view below is in flight at SIGTERM.
    let fault = client
        .put(format!("{base}/sandbox/_faults"))
        .json(&serde_json::json!({"route": "*", "latencyMs": 1500}))
        .send()
        .await
        .unwrap();
    assert!(fault.status().is_success());

    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = format!("{base}/account");
        async move { client.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let pid = server.id() as libc::pid_t;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered, not cut off");
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&email) && html.contains("Two-step sign-in is off"),
        "the whole page arrived"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit after draining"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "clean exit: {status:?}");
    assert!(
        new_client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err(),
        "no longer accepting"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("draining in-flight requests") && logged.contains("stopped"),
        "{logged}"
    );
}
