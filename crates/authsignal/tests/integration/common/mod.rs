//! Shared set-up for the integration tests: a wiremock server and a client pointed at it,
//! or a real sandbox server ([`sandbox`]).

pub mod sandbox;

use std::time::Duration;

use authsignal::{Client, RetryPolicy};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::SecretString;
use wiremock::{Match, MockServer, Request};

/// A recognisable key, so tests can check it never leaks into output.
pub const SECRET_KEY: &str = "sk_test_SECRET_7f3a9c0e";

/// The `Authorization` header Authsignal expects: Basic base64("<key>:").
pub fn expected_basic_auth() -> String {
    format!("Basic {}", STANDARD.encode(format!("{SECRET_KEY}:")))
}

pub fn expected_user_agent() -> String {
    format!("authsignal-rust/{}", env!("CARGO_PKG_VERSION"))
}

/// A client for `server` whose retries wait only a millisecond, so retry tests stay fast.
pub fn client_for(server: &MockServer) -> Client {
    client_with_retries(
        server,
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
        },
    )
}

pub fn client_with_retries(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder(SecretString::from(SECRET_KEY))
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(policy)
        .build()
        .expect("the mock server URI is a valid base URL")
}

/// Matches requests whose JSON body contains no `null` anywhere.
pub struct JsonWithoutNulls;

impl Match for JsonWithoutNulls {
    fn matches(&self, request: &Request) -> bool {
        serde_json::from_slice::<serde_json::Value>(&request.body)
            .map(|body| !contains_null(&body))
            .unwrap_or(false)
    }
}

fn contains_null(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.iter().any(contains_null),
        serde_json::Value::Object(map) => map.values().any(contains_null),
        _ => false,
    }
}

/// Matches requests that carry no body at all.
pub struct EmptyBody;

impl Match for EmptyBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}
