//! Error bodies of every shape, transport failures, and what ends up in `Display`/`Debug`.

use crate::common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use authsignal::{Client, Error, RetryPolicy, TrackRequest};
use common::{client_for, client_with_retries, SECRET_KEY};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn get_user_error(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    client_with_retries(&server, RetryPolicy::none())
        .get_user("u1")
        .await
        .expect_err("the mock answers with an error")
}

#[tokio::test]
async fn unauthorized_reads_error_code_and_description() {
    let body = json!({
        "error": "unauthorized",
        "errorCode": "unauthorized",
        "errorDescription": "The request is unauthorized. Check that your API key and region base URL are correctly configured."
    });
    let err = get_user_error(ResponseTemplate::new(401).set_body_json(body)).await;

    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("unauthorized"));
    assert!(err.is_unauthorized());
    assert!(!err.is_retryable());
    let Error::Api { description, .. } = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert!(description
        .as_deref()
        .is_some_and(|d| d.contains("region base URL")));
    assert!(err.to_string().contains("HTTP 401"), "{err}");
}

#[tokio::test]
async fn error_code_wins_over_error() {
    let body = json!({"error": "legacy", "errorCode": "invalid_request"});
    let err = get_user_error(ResponseTemplate::new(400).set_body_json(body)).await;
    assert_eq!(err.code(), Some("invalid_request"));
}

#[tokio::test]
async fn error_alone_is_used_as_the_code() {
    let body = json!({"error": "invalid_credential", "errorDescription": "Bad credential"});
    let err = get_user_error(ResponseTemplate::new(400).set_body_json(body)).await;
    assert_eq!(err.code(), Some("invalid_credential"));
}

#[tokio::test]
async fn error_code_alone_is_used() {
    let body = json!({"errorCode": "too_many_requests"});
    let err = get_user_error(ResponseTemplate::new(429).set_body_json(body)).await;
    assert_eq!(err.code(), Some("too_many_requests"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn wrong_route_shape_uses_message_as_description() {
    let err =
        get_user_error(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
            .await;
    assert!(err.is_not_found());
    assert_eq!(err.code(), None);
    let Error::Api { description, .. } = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert_eq!(description.as_deref(), Some("Not Found"));
}

#[tokio::test]
async fn html_and_empty_error_bodies_still_give_the_status() {
    let html = ResponseTemplate::new(502)
        .set_body_raw("<html><body>Bad gateway</body></html>", "text/html");
    for (response, status) in [(html, 502), (ResponseTemplate::new(503), 503)] {
        let err = get_user_error(response).await;
        assert!(
            matches!(&err, Error::Api { status: s, code: None, description: None, .. } if *s == status),
            "{err:?}"
        );
        assert!(err.is_retryable());
    }
}

#[tokio::test]
async fn statuses_are_reported_as_api_errors() {
    for status in [401u16, 404, 429, 500, 503] {
        let err =
            get_user_error(ResponseTemplate::new(status).set_body_json(json!({"errorCode": "x"})))
                .await;
        assert_eq!(err.status(), Some(status), "{err:?}");
        assert_eq!(
            err.is_retryable(),
            matches!(status, 429 | 500 | 503),
            "{status}"
        );
    }
}

#[tokio::test]
async fn retry_after_is_read_from_429() {
    let response = ResponseTemplate::new(429)
        .insert_header("retry-after", "7")
        .set_body_json(json!({"errorCode": "too_many_requests"}));
    let err = get_user_error(response).await;
    let Error::Api { retry_after, .. } = err else {
        panic!("expected Api")
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_slow_server_gives_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"isEnrolled": true}))
                .set_delay(Duration::from_secs(3)),
        )
        .expect(1) // timeouts are not retried
        .mount(&server)
        .await;
    let client = Client::builder(SecretString::from(SECRET_KEY))
        .base_url(format!("{}/v1", server.uri()))
        .request_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
        })
        .build()
        .expect("client");

    let started = Instant::now();
    let err = client.get_user("u1").await.expect_err("must time out");

    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert!(err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

fn unused_local_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
    // The listener is dropped here, so nothing listens on the port any more.
}

#[tokio::test]
async fn connection_refused_gives_a_connection_error_naming_the_host() {
    let port = unused_local_port();
    let client = Client::builder(SecretString::from(SECRET_KEY))
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");

    let err = client.get_user("u1").await.expect_err("nothing listens");

    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(
        !format!("{err:?}").contains("/users/u1"),
        "URL with user id leaked: {err:?}"
    );
}

#[tokio::test]
async fn connection_failures_are_retried_even_for_post() {
    let port = unused_local_port();
    let base_delay = Duration::from_millis(60);
    let client = Client::builder(SecretString::from(SECRET_KEY))
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry_policy(RetryPolicy {
            max_retries: 2,
            base_delay,
        })
        .build()
        .expect("client");

    let started = Instant::now();
    let err = client
        .track("u1", "signIn", &TrackRequest::default())
        .await
        .expect_err("refused");

    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    // Two backoffs happened: base_delay, then 2 × base_delay.
    assert!(
        started.elapsed() >= base_delay * 3,
        "took only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn text_plain_json_is_still_parsed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"isEnrolled":true,"email":"a@example.com"}"#,
            "text/plain",
        ))
        .mount(&server)
        .await;

    let user = client_for(&server)
        .get_user("u1")
        .await
        .expect("parsed despite text/plain");
    assert!(user.is_enrolled);
    assert_eq!(user.email.as_deref(), Some("a@example.com"));
}

#[tokio::test]
async fn undecodable_success_body_gives_a_decode_error_without_secrets() {
    let server = MockServer::start().await;
    let token = "eyJhbGciOiJIUzI1NiJ9.SECRET_PAYLOAD.sig";
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "state": "ALLOW", "token": token, "isEnrolled": token
        })))
        .mount(&server)
        .await;

    let err = client_for(&server)
        .track("u1", "signIn", &TrackRequest::default())
        .await
        .expect_err("isEnrolled is not a bool");

    let Error::Decode {
        status, excerpt, ..
    } = &err
    else {
        panic!("expected Decode: {err:?}")
    };
    assert_eq!(*status, 200);
    assert!(excerpt.contains("isEnrolled"), "{excerpt}");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("SECRET_PAYLOAD"), "token leaked: {text}");
    }
}

#[tokio::test]
async fn html_success_body_gives_a_short_excerpt() {
    let server = MockServer::start().await;
    let page = format!("<html>{}</html>", "x".repeat(5_000));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;

    let err = client_for(&server)
        .get_user("u1")
        .await
        .expect_err("HTML is not JSON");

    let Error::Decode { excerpt, .. } = &err else {
        panic!("expected Decode: {err:?}")
    };
    assert!(excerpt.starts_with("<html>"), "{excerpt}");
    assert!(
        excerpt.chars().count() <= 201,
        "{} chars",
        excerpt.chars().count()
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn empty_success_body_is_a_decode_error_for_endpoints_with_a_response() {
    let err = get_user_error(ResponseTemplate::new(200)).await;
    assert!(
        matches!(&err, Error::Decode { excerpt, .. } if excerpt == "<empty>"),
        "{err:?}"
    );
}

#[tokio::test]
async fn nothing_prints_the_secret_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"errorCode": "unauthorized"})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let err = client.get_user("u1").await.expect_err("401");

    for text in [format!("{client:?}"), err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(SECRET_KEY), "key leaked: {text}");
    }
    assert!(format!("{client:?}").contains("<redacted>"));
}

#[tokio::test]
async fn challenge_tokens_are_redacted_in_debug() {
    let request = authsignal::ValidateChallengeRequest::for_user_action("tok-SECRET", "u1", "a");
    let debug = format!("{request:?}");
    assert!(!debug.contains("tok-SECRET"), "{debug}");
    assert!(debug.contains("u1"), "{debug}");
}
