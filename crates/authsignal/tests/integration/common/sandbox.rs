//! A real sandbox HTTP server (test hooks on) and a client pointed at it.

use authsignal::{Client, RetryPolicy};
use authsignal_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;
use serde_json::Value;

pub const SECRET: &str = "scenario-secret";

/// A sandbox listening on a free localhost port, with its own database.
pub struct Running {
    pub base: String,
    secret: String,
    _dir: tempfile::TempDir,
}

pub async fn start_sandbox() -> Running {
    start_sandbox_with_secret(SECRET).await
}

/// A sandbox for another tenant: its tokens are signed with `secret`.
pub async fn start_sandbox_with_secret(secret: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = Sandbox::start(SandboxConfig {
        secret_key: secret.into(),
        public_url: base.clone(),
        database_url: format!("sqlite://{}/sandbox.db?mode=rwc", dir.path().display()),
        test_hooks: true,
        actions: Default::default(),
    })
    .await
    .unwrap();
    let router = sandbox.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Running {
        base,
        secret: secret.to_owned(),
        _dir: dir,
    }
}

/// A client for the sandbox at `base`, without retries.
pub fn client(base: &str, secret: &str) -> Client {
    Client::builder(SecretString::from(secret.to_string()))
        .base_url(format!("{base}/v1"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

impl Running {
    /// A client with the sandbox's secret key.
    pub fn client(&self) -> Client {
        client(&self.base, &self.secret)
    }

    async fn hook(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// `PUT /_faults`.
    pub async fn set_fault(&self, fault: Value) {
        self.hook(reqwest::Method::PUT, "/_faults", Some(fault))
            .await;
    }

    /// `DELETE /_faults`.
    pub async fn clear_faults(&self) {
        self.hook(reqwest::Method::DELETE, "/_faults", None).await;
    }

    /// `GET /_test/stats`: `{total, routes: {name: count}}`.
    pub async fn stats(&self) -> Value {
        self.hook(reqwest::Method::GET, "/_test/stats", None).await
    }

    /// Moves `user_id`'s clock on by `seconds`.
    pub async fn advance_clock(&self, user_id: &str, seconds: i64) {
        let body = serde_json::json!({ "seconds": seconds, "userId": user_id });
        self.hook(reqwest::Method::POST, "/_test/clock/advance", Some(body))
            .await;
    }

    /// The sandbox's time for `user_id`, in Unix seconds.
    pub async fn now_for(&self, user_id: &str) -> u64 {
        let path = format!("/_test/clock?userId={user_id}");
        let clock = self.hook(reqwest::Method::GET, &path, None).await;
        clock["unixSeconds"].as_u64().unwrap()
    }

    /// The newest code the outbox holds for `to` (an email address or phone number).
    pub async fn latest_code(&self, to: &str) -> String {
        let messages: Value = reqwest::Client::new()
            .get(format!("{}/outbox/messages", self.base))
            .query(&[("to", to)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        messages[0]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no code for {to}: {messages}"))
            .to_owned()
    }
}
