//! SIGTERM on the real binary: a request already in flight completes, new connections are
//! refused, and the process exits cleanly.

use crate::support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{free_port, new_client, unique_email, PASSWORD};

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
