//! Spawns the real storefront on a free port with a fresh database (zero2prod style).
pub mod mail;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leptos::config::LeptosOptions;
use reqwest::redirect::Policy;
use storefront::server::users::UserStore;
use storefront::server::{config::Settings, startup::Application};

/// The password test customers sign up with.
pub const PASSWORD: &str = "correct horse battery";

/// A second browser: the device list and the receipts call it "Firefox on Linux".
pub const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";

pub struct TestApp {
    pub address: String,
    /// Cookie-keeping client that does not follow redirects, so tests see each 303.
    pub client: reqwest::Client,
    pub data: Arc<tempfile::TempDir>,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    served: Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// An instance whose embedded sandbox has its test hooks on (`AUTHSIGNAL_SANDBOX_FAULTS`):
/// injected faults, action outcomes, its clock and its call counts.
pub async fn spawn_app_with_test_hooks() -> TestApp {
    spawn_app_with(&[("AUTHSIGNAL_SANDBOX_FAULTS", "1")]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_sharing(Arc::new(tempfile::tempdir().expect("temp dir")), extra).await
}

/// An instance with the sandbox's test hooks on and a customer ("Ada", `PASSWORD`) just signed
/// up, so signed in; and the customer's email.
pub async fn signed_in_app() -> (TestApp, String) {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    (app, email)
}

/// Another instance on the same data folder (same SQLite databases), as after a restart.
pub async fn spawn_app_sharing(data: Arc<tempfile::TempDir>, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert(
        "STOREFRONT_DATA_DIR".into(),
        data.path().display().to_string(),
    );
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().unwrap().port();
    vars.entry("STOREFRONT_BASE_URL".into())
        .or_insert(format!("http://127.0.0.1:{port}"));
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("settings");
    let options = LeptosOptions::builder()
        .output_name("storefront")
        .site_root("target/site")
        .build();
    let app = Application::build(settings, options, listener)
        .await
        .expect("build app");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: new_client(),
        data,
        stop: Mutex::new(Some(stop)),
        served: Mutex::new(Some(served)),
    }
}

/// An instance whose public origin is not this machine (`https://…`): that needs a real
/// tenant's key, so it points at a tenant that never answers (nothing here calls it).
pub async fn spawn_public_app(base_url: &str) -> TestApp {
    spawn_app_with(&[
        ("STOREFRONT_BASE_URL", base_url),
        ("AUTHSIGNAL_SECRET_KEY", "sk_test_unused"),
        ("AUTHSIGNAL_API_URL", "http://127.0.0.1:9/v1"),
    ])
    .await
}

/// A standalone sandbox (as one shared by many storefront instances), on a free port.
pub struct StandaloneSandbox {
    pub api_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
    _data: tempfile::TempDir,
}

pub async fn standalone_sandbox(secret: &str) -> StandaloneSandbox {
    let data = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().unwrap().port();
    let sandbox = authsignal_sandbox::Sandbox::start(authsignal_sandbox::SandboxConfig {
        secret_key: secret.into(),
        public_url: format!("http://127.0.0.1:{port}"),
        database_url: format!("sqlite://{}/sandbox.db?mode=rwc", data.path().display()),
        test_hooks: true,
        actions: Default::default(),
    })
    .await
    .expect("sandbox");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        let _ = axum::serve(listener, sandbox.router())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    StandaloneSandbox {
        api_url: format!("http://127.0.0.1:{port}/v1"),
        stop: Some(stop),
        served: Some(served),
        _data: data,
    }
}

impl StandaloneSandbox {
    pub fn base(&self) -> String {
        self.api_url.trim_end_matches("/v1").to_string()
    }

    /// Injects a fault for every API route (test hooks are on).
    pub async fn set_fault(&self, fault: serde_json::Value) {
        let response = reqwest::Client::new()
            .put(format!("{}/_faults", self.base()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "fault {fault} accepted");
    }

    pub async fn clear_faults(&self) {
        reqwest::Client::new()
            .delete(format!("{}/_faults", self.base()))
            .send()
            .await
            .unwrap();
    }

    /// Stops listening and closes every connection (upstream "refused" from now on).
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = served.await;
        }
    }
}

/// A fresh, empty Postgres database for one test, dropped afterwards.
pub struct TestDatabase {
    pub url: String,
    name: String,
}

/// The server the scale-out tests use (`TEST_POSTGRES_URL`, default the machine's local one).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub async fn postgres_database() -> TestDatabase {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let name = format!("storefront_test_{}", uuid_like());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("Postgres at {admin} (scripts/services.sh starts it): {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let (base, _) = admin
        .rsplit_once('/')
        .expect("a database in TEST_POSTGRES_URL");
    TestDatabase {
        url: format!("{base}/{name}"),
        name,
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| format!("{:x}", rng.gen::<u8>() % 16))
        .collect()
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Another browser (a client like `new_client`) that names itself with `user_agent`.
pub fn browser(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .user_agent(user_agent)
        .build()
        .unwrap()
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestApp {
    /// Stops the instance as SIGTERM would: stop accepting, drain, close.
    pub async fn stop(&self) {
        let stop = self.stop.lock().unwrap().take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let served = self.served.lock().unwrap().take();
        if let Some(served) = served {
            served.await.expect("server task").expect("served");
        }
    }

    /// The instance's own SQLite database (the default storage).
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}/storefront.db", self.data.path().display())
    }

    /// The customers in the instance's SQLite database, as support's tools reach them.
    pub async fn user_store(&self) -> UserStore {
        let pool = storefront::server::db::connect_and_migrate(&self.sqlite_url())
            .await
            .expect("db");
        UserStore::new(pool)
    }

    /// The storefront's id for a customer (what Authsignal knows them by).
    pub async fn user_id(&self, email: &str) -> String {
        let email = storefront::domain::Email::parse(email).expect("email");
        let user = self
            .user_store()
            .await
            .find_by_email(&email)
            .await
            .expect("query");
        user.expect("customer exists").id
    }

    /// Calls the embedded sandbox's Server API.
    pub async fn sandbox_api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut request = self
            .client
            .request(method, self.url(&format!("/sandbox/v1{path}")))
            .basic_auth("sandbox-secret", Some(""));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("sandbox API");
        assert!(
            response.status().is_success(),
            "sandbox API {path}: {}",
            response.status()
        );
        response.json().await.expect("json")
    }

    /// Enrolls a verified email authenticator for a customer, behind the storefront's back.
    pub async fn enroll_email(&self, email: &str) -> String {
        let id = self.user_id(email).await;
        let body = serde_json::json!({"verificationMethod": "EMAIL_OTP", "email": email});
        self.sandbox_api(
            reqwest::Method::POST,
            &format!("/users/{id}/authenticators"),
            Some(body),
        )
        .await;
        id
    }

    /// Enrolls a verified SMS authenticator for the customer `user_id`, behind the
    /// storefront's back; the sandbox's answer (the new authenticator).
    pub async fn enroll_sms(&self, user_id: &str, phone_number: &str) -> serde_json::Value {
        let body = serde_json::json!({"verificationMethod": "SMS", "phoneNumber": phone_number});
        self.sandbox_api(
            reqwest::Method::POST,
            &format!("/users/{user_id}/authenticators"),
            Some(body),
        )
        .await
    }

    /// The ids of the customer's authenticators, as the sandbox lists them.
    pub async fn authenticator_ids(&self, user_id: &str) -> Vec<String> {
        let list = self
            .sandbox_api(
                reqwest::Method::GET,
                &format!("/users/{user_id}/authenticators"),
                None,
            )
            .await;
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a["userAuthenticatorId"].as_str().unwrap().to_string())
            .collect()
    }

    /// Newest code the sandbox "sent" to an address.
    pub async fn latest_code(&self, to: &str) -> String {
        let messages: serde_json::Value = self
            .client
            .get(self.url("/sandbox/outbox/messages"))
            .query(&[("to", to)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        messages[0]["code"]
            .as_str()
            .expect("a code in the outbox")
            .to_string()
    }

    /// Kept mail in the dev mailbox for `to`, newest first.
    /// How many kept mails for `to` have `subject` in their subject, once no more arrive.
    pub async fn settled_mail_count(&self, to: &str, subject: &str) -> usize {
        let mut last = usize::MAX;
        for _ in 0..50 {
            let now = self
                .dev_mailbox(to)
                .await
                .iter()
                .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains(subject)))
                .count();
            if now == last {
                return now;
            }
            last = now;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        last
    }

    pub async fn dev_mailbox(&self, to: &str) -> Vec<serde_json::Value> {
        self.client
            .get(self.url("/dev/mailbox/messages"))
            .query(&[("to", to)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The newest kept mail for `to` whose subject contains `subject`, waiting (≤ 15 s) for the
    /// mail worker: receipts are queued after the activity line they report.
    pub async fn wait_for_mail(&self, to: &str, subject: &str) -> serde_json::Value {
        for _ in 0..150 {
            let found = self
                .dev_mailbox(to)
                .await
                .into_iter()
                .find(|m| m["subject"].as_str().is_some_and(|s| s.contains(subject)));
            if let Some(mail) = found {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no mail {subject:?} for {to}");
    }

    /// Waits (≤ 15 s) until the account page's activity shows `line`; webhooks are asynchronous.
    pub async fn wait_for_activity(&self, line: &str) -> String {
        for _ in 0..150 {
            let html = self.get_html("/account").await;
            if html.contains(line) {
                return html;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "no activity line {line:?}:\n{}",
            self.get_html("/account").await
        );
    }

    /// Injects a fault into the embedded sandbox (its test hooks must be on).
    pub async fn set_fault(&self, fault: serde_json::Value) {
        let response = self
            .client
            .put(self.url("/sandbox/_faults"))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "fault accepted: {fault}");
    }

    pub async fn clear_faults(&self) {
        self.client
            .delete(self.url("/sandbox/_faults"))
            .send()
            .await
            .unwrap();
    }

    /// Sets what the embedded sandbox's track answers for `action` (its test hooks must be on).
    pub async fn set_action_outcome(
        &self,
        action: &str,
        outcome: &str,
        challenge_when_enrolled: bool,
    ) {
        let body = serde_json::json!({
            "defaultOutcome": outcome,
            "challengeWhenEnrolled": challenge_when_enrolled,
        });
        let response = self
            .client
            .put(self.url(&format!("/sandbox/_test/actions/{action}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "configured {action}: {}",
            response.status()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The path of a link to this shop (as mailed: absolute).
    pub fn path_of(&self, link: &str) -> String {
        link.strip_prefix(&self.address)
            .expect("a link to this shop")
            .to_string()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// GET as another browser.
    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client.get(self.url(path)).send().await.expect("GET")
    }

    /// The HTML another browser gets for `path`, whatever the status.
    pub async fn page_html(&self, client: &reqwest::Client, path: &str) -> String {
        self.get_with(client, path).await.text().await.unwrap()
    }

    /// The account page as another browser gets it (200, or 303 to sign in).
    pub async fn account_page(&self, client: &reqwest::Client) -> reqwest::Response {
        self.get_with(client, "/account").await
    }

    /// Calls a server function the way the hydrated page does (form-encoded in, JSON out).
    pub async fn server_fn(&self, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{name}")))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A server function's status and JSON answer (`null` when the body is not JSON).
    pub async fn server_fn_answer(
        &self,
        name: &str,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let response = self.server_fn(name, form).await;
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Asks to remove an authenticator, as the page's Remove button does.
    pub async fn remove_authenticator(&self, id: &str) -> reqwest::Response {
        self.server_fn("remove_authenticator", &[("authenticator_id", id)])
            .await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.sign_up_with(&self.client, email, name, password).await
    }

    /// Signs up from another browser.
    pub async fn sign_up_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        name: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/signup"))
            .form(&[("email", email), ("name", name), ("password", password)])
            .send()
            .await
            .expect("POST")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.sign_in_with(&self.client, email, password).await
    }

    /// Signs in from another browser, asking to land on the account page.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/signin"))
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/account"),
            ])
            .send()
            .await
            .expect("POST")
    }
}

/// Follows redirects from `url` (as `client`); the response that is not one.
pub async fn follow_redirects(client: &reqwest::Client, url: &str) -> reqwest::Response {
    let mut response = client.get(url).send().await.unwrap();
    while response.status() == 303 {
        let next = location(&response);
        response = client.get(&next).send().await.unwrap();
    }
    response
}

/// Drives the sandbox's challenge at `url` with the code emailed to `email` (as `client`);
/// returns where the sandbox sends the browser back to.
pub async fn pass_email_challenge(
    app: &TestApp,
    client: &reqwest::Client,
    url: &str,
    email: &str,
) -> String {
    let html = follow_redirects(client, url).await.text().await.unwrap();
    let s = form_value(&html, "s");
    let authenticator = form_value(&html, "authenticatorId");
    let code = app.latest_code(email).await;
    let response = client
        .post(app.url("/sandbox/ui/challenge"))
        .form(&[
            ("s", s.as_str()),
            ("authenticatorId", authenticator.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "the challenge was passed");
    location(&response)
}

/// Rows in the SQLite session table of an app that keeps sessions there (the default).
pub async fn session_rows(app: &TestApp) -> i64 {
    let pool = sqlx::SqlitePool::connect(&app.sqlite_url())
        .await
        .expect("session db");
    sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&pool)
        .await
        .expect("count sessions")
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The session cookie a response sets, as a `Cookie` header value (`storefront_session=…`).
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("storefront_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
}

/// The first link in a kept mail's text (see `TestApp::wait_for_mail`) containing `marker`.
pub fn link_in(mail: &serde_json::Value, marker: &str) -> String {
    mail["text"]
        .as_str()
        .expect("a text part")
        .split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no link with {marker} in {mail}"))
        .to_string()
}

/// The `token` in a link or a location (`…?token=…`, up to the next parameter).
pub fn token_in(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .unwrap_or_else(|| panic!("no token in {link}"))
        .split('&')
        .next()
        .unwrap()
        .to_string()
}

/// A unique email per test, so tests never collide.
pub fn unique_email() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "customer{}-{}@example.com",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The value of `name="{field}" value="…"` in a form of `html`.
pub fn form_value(html: &str, field: &str) -> String {
    let marker = format!(r#"name="{field}" value=""#);
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no {field} in {html}"));
    let end = html[start..].find('"').map(|i| start + i).unwrap_or(start);
    html[start..end].to_string()
}

/// The launch server function, called as the hydrated page does; answers the URL to go to.
pub async fn launch(client: &reqwest::Client, app: &TestApp) -> String {
    launch_with(client, app, "Enroll").await
}

/// Presses the security section's button for `intent` as the hydrated page does; the
/// pre-built UI URL it answers.
pub async fn launch_with(client: &reqwest::Client, app: &TestApp, intent: &str) -> String {
    let response = client
        .post(app.url("/api/launch_authenticator_settings"))
        .header("accept", "application/json")
        .form(&[("intent", intent)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Deletes `key` from the test Redis (a raw `DEL`: the tests have no Redis client of their own).
pub async fn redis_del(key: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = redis_url();
    let address = url.trim_start_matches("redis://").trim_end_matches('/');
    let mut redis = tokio::net::TcpStream::connect(address).await.unwrap();
    let command = format!("*2\r\n$3\r\nDEL\r\n${}\r\n{key}\r\n", key.len());
    redis.write_all(command.as_bytes()).await.unwrap();
    let mut reply = [0u8; 16];
    let n = redis.read(&mut reply).await.unwrap();
    assert!(reply[..n].starts_with(b":"), "DEL answered");
}

/// A customer with an email authenticator, signed in through the two-step challenge.
pub async fn signed_in_with_challenge(app: &TestApp) -> (String, String) {
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.post_form("/signout", &[]).await;
    let challenge = location(&app.sign_in(&email, PASSWORD).await);
    assert!(
        challenge.contains("/sandbox/ui"),
        "challenged at sign-in: {challenge}"
    );
    let back = pass_email_challenge(app, &app.client, &challenge, &email).await;
    assert!(
        back.starts_with(&app.url("/signin/return?token=")),
        "{back}"
    );
    assert_eq!(
        location(&app.client.get(&back).send().await.unwrap()),
        "/account"
    );
    (email, user_id)
}

/// Presses Manage as the hydrated page does; the pre-built UI URL it answers.
pub async fn press_manage(app: &TestApp) -> String {
    launch_with(&app.client, app, "Manage").await
}

/// Presses Done on the pre-built UI's settings screen `page`; where the sandbox sends the
/// browser back to.
pub async fn press_done(app: &TestApp, page: &str) -> String {
    let s = form_value(page, "s");
    let done = app
        .client
        .post(app.url("/sandbox/ui/done"))
        .form(&[("s", s.as_str())])
        .send()
        .await
        .unwrap();
    location(&done)
}
