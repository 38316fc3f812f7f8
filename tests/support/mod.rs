//! Spawns the real storefront on a free port with a fresh database (zero2prod style).
#![allow(dead_code)]

use std::collections::HashMap;

use leptos::config::LeptosOptions;
use reqwest::redirect::Policy;
use storefront::server::{config::Settings, startup::Application};

pub struct TestApp {
    pub address: String,
    /// Cookie-keeping client that does not follow redirects, so tests see each 303.
    pub client: reqwest::Client,
    _data: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("STOREFRONT_DATA_DIR".into(), data.path().display().to_string());
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().unwrap().port();
    vars.entry("STOREFRONT_BASE_URL".into()).or_insert(format!("http://127.0.0.1:{port}"));
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("settings");
    let options = LeptosOptions::builder().output_name("storefront").site_root("target/site").build();
    let app = Application::build(settings, options, listener).await.expect("build app");
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp { address: format!("http://127.0.0.1:{port}"), client: new_client(), _data: data }
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).cookie_store(true).build().unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(form).send().await.expect("POST")
    }

    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.post_form("/signup", &[("email", email), ("name", name), ("password", password)]).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/signin", &[("email", email), ("password", password), ("next", "/account")]).await
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// A unique email per test, so tests never collide.
pub fn unique_email() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("customer{}-{}@example.com", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}
