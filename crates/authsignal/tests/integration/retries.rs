//! How many requests reach the server for each method and failure.

use crate::common;

use std::time::Duration;

use authsignal::{RetryPolicy, TrackRequest, UpdateUserRequest, ValidateChallengeRequest};
use common::{client_for, client_with_retries};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_always_answering(
    http_method: &str,
    status: u16,
    expected_requests: u64,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(http_method))
        .respond_with(ResponseTemplate::new(status).set_body_json(json!({"errorCode": "boom"})))
        .expect(expected_requests)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn get_is_retried_twice_on_503() {
    let server = server_always_answering("GET", 503, 3).await;
    let err = client_for(&server)
        .get_user("u1")
        .await
        .expect_err("always 503");
    assert_eq!(err.status(), Some(503));
    server.verify().await;
}

#[tokio::test]
async fn get_succeeds_after_a_transient_500() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/users/u1/authenticators"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/u1/authenticators"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let authenticators = client_for(&server)
        .get_authenticators("u1")
        .await
        .expect("second try");
    assert!(authenticators.is_empty());
}

#[tokio::test]
async fn post_is_not_retried_on_500() {
    let server = server_always_answering("POST", 500, 1).await;
    let err = client_for(&server)
        .track("u1", "signIn", &TrackRequest::default())
        .await
        .expect_err("500");
    assert_eq!(err.status(), Some(500));
    server.verify().await;
}

#[tokio::test]
async fn validate_is_not_retried_on_502() {
    let server = server_always_answering("POST", 502, 1).await;
    let request = ValidateChallengeRequest::for_user_action("t", "u1", "signIn");
    client_for(&server)
        .validate_challenge(&request)
        .await
        .expect_err("502");
    server.verify().await;
}

#[tokio::test]
async fn patch_is_not_retried_on_503() {
    let server = server_always_answering("PATCH", 503, 1).await;
    client_for(&server)
        .update_user("u1", &UpdateUserRequest::default())
        .await
        .expect_err("503");
    server.verify().await;
}

#[tokio::test]
async fn delete_is_not_retried_on_500() {
    let server = server_always_answering("DELETE", 500, 1).await;
    client_for(&server)
        .delete_authenticator("u1", "a1")
        .await
        .expect_err("500");
    server.verify().await;
}

#[tokio::test]
async fn client_errors_are_not_retried_even_for_get() {
    for status in [400, 401, 404, 429] {
        let server = server_always_answering("GET", status, 1).await;
        client_for(&server).get_user("u1").await.expect_err("4xx");
        server.verify().await;
    }
}

#[tokio::test]
async fn max_retries_is_configurable() {
    let policy = |max_retries| RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
    };
    for (max_retries, expected_requests) in [(0, 1), (4, 5)] {
        let server = server_always_answering("GET", 503, expected_requests).await;
        client_with_retries(&server, policy(max_retries))
            .get_user("u1")
            .await
            .expect_err("503");
        server.verify().await;
    }
}
