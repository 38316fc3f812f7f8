//! Spawns the sandbox on 127.0.0.1:0 (nested at /sandbox, as the storefront mounts it)
//! with a temp SQLite file and a manual clock, and drives it over real HTTP.

pub mod soft_authenticator;
pub mod webhook_receiver;

use std::sync::Arc;

use authsignal_sandbox::{ActionsConfig, ManualClock, Sandbox, SandboxConfig, WebhookTarget};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use time::Duration;

pub const SECRET: &str = "test-secret";

pub struct TestApp {
    /// `http://127.0.0.1:PORT/sandbox`
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    pub db_dir: Arc<TempDir>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A page reached by following the sandbox's own redirects.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub url: String,
    pub html: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// The UI token carried in the page's forms.
    pub fn s(&self) -> String {
        let marker = r#"name="s" value=""#;
        let start = self
            .html
            .find(marker)
            .map(|i| i + marker.len())
            .unwrap_or_else(|| panic!("no s token in page: {}", self.html));
        let end = self.html[start..]
            .find('"')
            .map(|i| start + i)
            .unwrap_or(start);
        self.html[start..end].to_owned()
    }

    pub fn has(&self, text: &str) -> bool {
        self.html.contains(text)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The authenticatorId of the settings row whose method label is `label`.
    pub fn authenticator_id(&self, label: &str) -> String {
        let row_start = self
            .html
            .find(&format!(r#"<span class="method">{label}</span>"#))
            .unwrap_or_else(|| panic!("no {label} row in: {}", self.html));
        let marker = r#"name="authenticatorId" value=""#;
        let start = self.html[row_start..]
            .find(marker)
            .map(|i| row_start + i + marker.len())
            .unwrap_or(row_start);
        let end = self.html[start..]
            .find('"')
            .map(|i| start + i)
            .unwrap_or(start);
        self.html[start..end].to_owned()
    }

    /// The value of `token` in a redirect back to the app.
    pub fn returned_token(&self) -> String {
        let url =
            url::Url::parse(&self.url).unwrap_or_else(|e| panic!("bad url {}: {e}", self.url));
        url.query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no token in {}", self.url))
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(true, Arc::new(TempDir::new().expect("temp dir"))).await
    }

    pub async fn spawn_with(test_hooks: bool, db_dir: Arc<TempDir>) -> TestApp {
        Self::spawn_at(
            test_hooks,
            db_dir,
            "127.0.0.1",
            ActionsConfig::default(),
            None,
        )
        .await
    }

    /// Public URL `http://localhost:PORT/sandbox`: passkeys need a host name, not an IP.
    pub async fn spawn_on_localhost(db_dir: Arc<TempDir>) -> TestApp {
        Self::spawn_at(true, db_dir, "localhost", ActionsConfig::default(), None).await
    }

    /// With `actions` as `SandboxConfig::actions` (test hooks on).
    pub async fn spawn_with_actions(actions: ActionsConfig) -> TestApp {
        let db_dir = Arc::new(TempDir::new().expect("temp dir"));
        Self::spawn_at(true, db_dir, "127.0.0.1", actions, None).await
    }

    /// On localhost (passkeys work), test hooks on, sending webhooks to `target`.
    pub async fn spawn_with_webhook(db_dir: Arc<TempDir>, target: WebhookTarget) -> TestApp {
        Self::spawn_at(
            true,
            db_dir,
            "localhost",
            ActionsConfig::default(),
            Some(target),
        )
        .await
    }

    async fn spawn_at(
        test_hooks: bool,
        db_dir: Arc<TempDir>,
        host: &str,
        actions: ActionsConfig,
        webhook: Option<WebhookTarget>,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://{host}:{port}/sandbox");
        let database_url = format!("sqlite://{}/sandbox.db?mode=rwc", db_dir.path().display());
        let clock = Arc::new(ManualClock::starting_now());
        let sandbox = Sandbox::start(SandboxConfig {
            secret_key: SECRET.into(),
            public_url: base.clone(),
            database_url,
            test_hooks,
            actions,
        })
        .await
        .expect("sandbox starts")
        .with_clock(clock.clone());
        let sandbox = match webhook {
            Some(target) => sandbox.with_webhook(target),
            None => sandbox,
        };
        let app = axum::Router::new().nest("/sandbox", sandbox.router());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            // "localhost" may resolve to ::1 first; the server listens on 127.0.0.1.
            .resolve(
                "localhost",
                std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            )
            .build()
            .expect("client");
        TestApp {
            base,
            clock,
            client,
            db_dir,
            server,
        }
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/v1{path}", self.base)
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self
            .client
            .request(method, self.api(path))
            .basic_auth(SECRET, Some(""));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let response = self.send(method, path, body).await;
        let status = response.status();
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "exact JSON content type on {path}"
        );
        let body = response.json::<Value>().await.expect("JSON body");
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn track(&self, user_id: &str, action: &str, body: Value) -> Value {
        let (status, body) = self
            .post(&format!("/users/{user_id}/actions/{action}"), body)
            .await;
        assert_eq!(status, StatusCode::OK, "track: {body}");
        body
    }

    /// Track with redirectToSettings back to a fake app page.
    pub async fn track_manage(&self, user_id: &str) -> Value {
        self.track(user_id, "manage", json!({ "redirectUrl": "https://app.example/account?tab=security", "redirectToSettings": true }))
            .await
    }

    pub async fn enroll_email(&self, user_id: &str, email: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/users/{user_id}/authenticators"),
                json!({ "verificationMethod": "EMAIL_OTP", "email": email }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "enroll: {body}");
        body
    }

    pub async fn validate(&self, body: Value) -> Value {
        let (status, body) = self.post("/validate", body).await;
        assert_eq!(status, StatusCode::OK);
        body
    }

    /// The newest code sent to `to`.
    pub async fn latest_code(&self, to: &str) -> String {
        let messages = self.outbox(to).await;
        messages[0]["code"]
            .as_str()
            .expect("a code in the outbox")
            .to_owned()
    }

    pub async fn outbox(&self, to: &str) -> Vec<Value> {
        let response = self
            .client
            .get(format!("{}/outbox/messages", self.base))
            .query(&[("to", to)])
            .send()
            .await
            .expect("outbox");
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        response.json::<Vec<Value>>().await.expect("outbox JSON")
    }

    /// GETs a URL and follows the sandbox's own 303s; stops at a page or at a redirect
    /// that leaves the sandbox.
    pub async fn open(&self, url: &str) -> Page {
        let response = self.client.get(url).send().await.expect("GET");
        self.follow(response).await
    }

    pub async fn follow(&self, mut response: Response) -> Page {
        loop {
            let status = response.status();
            let url = response.url().to_string();
            if status == StatusCode::SEE_OTHER {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                if !location.starts_with(&self.base) {
                    return Page {
                        status,
                        url: location,
                        html: String::new(),
                        headers: response.headers().clone(),
                    };
                }
                response = self.client.get(&location).send().await.expect("follow");
                continue;
            }
            let headers = response.headers().clone();
            let html = response.text().await.unwrap_or_default();
            return Page {
                status,
                url,
                html,
                headers,
            };
        }
    }

    /// POSTs a UI form (`path` under `/ui`) and follows the result.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}/ui{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.follow(response).await
    }

    /// GETs a UI screen with its token.
    pub async fn screen(&self, path: &str, s: &str) -> Page {
        self.open(&format!("{}/ui{path}?s={s}", self.base)).await
    }
}

/// RFC 6238 TOTP for the tests (SHA1, 6 digits, 30 s).
pub fn totp(secret_base32: &str, unix_seconds: i64) -> String {
    use hmac::{Hmac, Mac};
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_base32.as_bytes())
        .expect("base32 secret");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).expect("key");
    mac.update(&(unix_seconds / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The text of the element labelled "Secret key".
pub fn secret_key(page: &Page) -> String {
    let marker = r#"aria-label="Secret key">"#;
    let start = page
        .html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("secret key on page");
    let end = page.html[start..]
        .find('<')
        .map(|i| start + i)
        .unwrap_or(start);
    page.html[start..end].to_owned()
}
