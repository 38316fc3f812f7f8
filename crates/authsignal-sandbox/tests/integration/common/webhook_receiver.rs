//! A real webhook receiver on 127.0.0.1: keeps each request's raw body and headers, and
//! answers with the statuses it was given, then 200. Also the signature check, written
//! from Authsignal's SDKs independently of the sandbox's code.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub signature: String,
    pub content_type: String,
    /// The raw body, exactly as signed.
    pub body: String,
    pub json: Value,
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

pub struct Receiver {
    pub url: String,
    inbox: Inbox,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    /// Answers `statuses` in turn, then 200.
    pub async fn start(statuses: &[u16]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Self::serve(listener, statuses)
    }

    /// On a listener the test bound itself (to know the port in advance).
    pub fn serve(listener: tokio::net::TcpListener, statuses: &[u16]) -> Receiver {
        let url = format!(
            "http://{}/webhooks/authsignal",
            listener.local_addr().expect("addr")
        );
        let inbox = Inbox {
            statuses: Arc::new(Mutex::new(statuses.iter().copied().collect())),
            ..Inbox::default()
        };
        let app = axum::Router::new()
            .route("/webhooks/authsignal", axum::routing::post(receive))
            .with_state(inbox.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, inbox, server }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().expect("inbox").clone()
    }

    /// Waits (up to 10 s) until at least `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} webhook requests arrived: {received:#?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let body = String::from_utf8(body.to_vec()).expect("UTF-8 body");
    let json = serde_json::from_str(&body).expect("JSON body");
    inbox.received.lock().expect("inbox").push(Received {
        signature: header("x-signature-v2"),
        content_type: header("content-type"),
        body,
        json,
    });
    let status = inbox.statuses.lock().expect("statuses").pop_front();
    StatusCode::from_u16(status.unwrap_or(200)).expect("status")
}

/// The header's timestamp if one of its `v2=` signatures is base64(HMAC-SHA256(secret,
/// "<t>.<body>")) without padding — what `Webhook.constructEvent` checks.
pub fn verified_timestamp(secret: &str, header: &str, body: &str) -> Option<i64> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v2", sig)) => signatures.push(sig.to_owned()),
            _ => {}
        }
    }
    let t = timestamp?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    let expected = expected.trim_end_matches('=');
    signatures.iter().any(|s| s == expected).then_some(t)
}
