//! Many identical instances behind a load balancer: two storefronts on different ports share
//! one Postgres, one Redis and one standalone sandbox. A customer moves between them, both
//! restart, and nothing is lost. (Postgres and Redis are started by scripts/services.sh.)

use crate::support;

use std::sync::Arc;

use serde_json::Value;
use support::{
    free_port, launch, new_client, postgres_database, redis_url, spawn_app_sharing,
    standalone_sandbox, unique_email, TestApp, PASSWORD,
};

const SECRET: &str = "scale-out-secret";

async fn instance(database_url: &str, api_url: &str) -> TestApp {
    let redis = redis_url();
    spawn_app_sharing(
        Arc::new(tempfile::tempdir().expect("temp dir")),
        &[
            ("DATABASE_URL", database_url),
            ("REDIS_URL", redis.as_str()),
            ("AUTHSIGNAL_SECRET_KEY", SECRET),
            ("AUTHSIGNAL_API_URL", api_url),
            // Redis' address counters are shared by every test (and run) from 127.0.0.1.
            ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "10000"),
            ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_customer_moves_between_instances_and_survives_a_restart_of_both() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let first = instance(&database.url, &sandbox.api_url).await;
    let second = instance(&database.url, &sandbox.api_url).await;

    // One browser: cookies are per host, not per port, so both instances see the same session.
    let browser = new_client();
    let email = unique_email();
    let signed_up = first
        .sign_up_with(&browser, &email, "Grace", PASSWORD)
        .await;
    assert_eq!(signed_up.status(), 303);
    assert_eq!(support::location(&signed_up), "/account");

    let on_second = second.get_with(&browser, "/account").await;
    assert_eq!(
        on_second.status(),
        200,
        "signed in on the second instance too"
    );
    let html = on_second.text().await.unwrap();
    assert!(
        html.contains(&email) && html.contains("Grace"),
        "same data on the second instance"
    );
    assert!(
        html.contains("Two-step sign-in is off"),
        "the shared sandbox answers the second instance"
    );

    // A launch on the second instance is pending in the shared session store.
    let launched = launch(&browser, &second).await;
    assert!(launched.starts_with(&sandbox.base()), "{launched}");

    first.stop().await;
    second.stop().await;
    let first = instance(&database.url, &sandbox.api_url).await;
    let second = instance(&database.url, &sandbox.api_url).await;

    for app in [&first, &second] {
        let response = app.get_with(&browser, "/account").await;
        assert_eq!(response.status(), 200, "still signed in after the restart");
        assert!(response.text().await.unwrap().contains(&email));
    }
    // The launch pending before the restart is still the one a second click reuses.
    let relaunched = launch(&browser, &first).await;
    assert_eq!(relaunched, launched);

    // Signing out on one instance ends the session on all of them.
    let signed_out = browser.post(second.url("/signout")).send().await.unwrap();
    assert_eq!(signed_out.status(), 303);
    let response = first.get_with(&browser, "/account").await;
    assert_eq!(response.status(), 303, "signed out everywhere");
}

#[tokio::test]
async fn failed_sign_ins_are_counted_across_instances() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let apps = [
        instance(&database.url, &sandbox.api_url).await,
        instance(&database.url, &sandbox.api_url).await,
    ];
    let email = unique_email();
    apps[0].sign_up(&email, "Ada", PASSWORD).await;

    // Five wrong passwords, alternating instances: the shared Redis count reaches the limit.
    for n in 0..5 {
        let attacker = new_client();
        let response = apps[n % 2]
            .sign_in_with(&attacker, &email, "wrong password")
            .await;
        assert_eq!(response.status(), 303);
    }
    let customer = new_client();
    let response = apps[1].sign_in_with(&customer, &email, PASSWORD).await;
    assert!(
        support::location(&response).starts_with("/signin"),
        "blocked even with the right password"
    );
    let form = apps[1]
        .get_with(&customer, &support::location(&response))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("Too many failed sign-in attempts"), "{form}");
}

#[tokio::test]
async fn readiness_reports_postgres_and_redis() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let app = instance(&database.url, &sandbox.api_url).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["ready"], true);
    assert_eq!(report["database"]["backend"], "postgres");
    assert_eq!(report["sessions"]["backend"], "redis");
    assert_eq!(report["authsignal"]["ok"], true);
    let text = report.to_string();
    assert!(
        !text.contains(SECRET) && !text.contains("postgres://"),
        "no secrets or URLs in the report: {text}"
    );
}

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

#[tokio::test]
async fn without_redis_sessions_live_in_postgres_and_survive_a_restart() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("AUTHSIGNAL_SECRET_KEY", SECRET),
        ("AUTHSIGNAL_API_URL", sandbox.api_url.as_str()),
    ];
    let first = spawn_app_sharing(Arc::new(tempfile::tempdir().unwrap()), &env).await;
    let report: Value = first.get("/readyz").await.json().await.unwrap();
    assert_eq!(report["sessions"]["backend"], "postgres");
    let email = unique_email();
    first.sign_up(&email, "Ada", PASSWORD).await;
    first.stop().await;

    let second = spawn_app_sharing(Arc::new(tempfile::tempdir().unwrap()), &env).await;
    let response = second.get_with(&first.client, "/account").await;
    assert_eq!(response.status(), 200, "the session outlived the instance");
    assert!(response.text().await.unwrap().contains(&email));
}
