//! The Server API over real HTTP: auth, users, authenticators, actions, validate,
//! errors, faults, the outbox and persistence.

use crate::common;

use std::sync::Arc;

use common::{TestApp, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const UNAUTHORIZED: &str = "The request is unauthorized. Check that your API key and region base URL are correctly configured.";

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_unauthorized() {
    let app = TestApp::spawn().await;
    let url = app.api("/users/u1");
    let attempts = [
        app.client.get(&url),
        app.client.get(&url).basic_auth("wrong-secret", Some("")),
        app.client.get(&url).bearer_auth(SECRET),
        app.client
            .get(&url)
            .header("authorization", "Basic !!!not-base64"),
    ];
    for request in attempts {
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body,
            json!({ "error": "unauthorized", "errorCode": "unauthorized", "errorDescription": UNAUTHORIZED })
        );
    }
}

#[tokio::test]
async fn unknown_user_reads_as_not_enrolled() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/users/nobody").await,
        (StatusCode::OK, json!({ "isEnrolled": false }))
    );
    assert_eq!(
        app.get("/users/nobody/authenticators").await,
        (StatusCode::OK, json!([]))
    );
}

#[tokio::test]
async fn update_user_creates_patches_and_validates() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .call(Method::PATCH, "/users/u1", Some(json!({ "email": "jane@example.com", "displayName": "Jane", "custom": { "tier": "gold" } })))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({ "userId": "u1", "email": "jane@example.com", "emailVerified": false, "phoneNumberVerified": false, "displayName": "Jane", "custom": { "tier": "gold" } })
    );

    let (_, body) = app
        .call(
            Method::PATCH,
            "/users/u1",
            Some(json!({ "phoneNumber": "+14155550123" })),
        )
        .await;
    assert_eq!(
        body["email"], "jane@example.com",
        "fields left out are kept"
    );
    assert_eq!(body["phoneNumber"], "+14155550123");

    let (_, user) = app.get("/users/u1").await;
    assert_eq!(user["isEnrolled"], false);
    assert_eq!(user["email"], "jane@example.com");
    assert_eq!(user["displayName"], "Jane");

    for bad in [json!({ "email": "not-an-email" }), json!({ "custom": [1] })] {
        let (status, body) = app.call(Method::PATCH, "/users/u1", Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errorCode"], "invalid_request");
        assert_eq!(body["error"], "invalid_request");
        assert!(body["errorDescription"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
    }
}

#[tokio::test]
async fn delete_user_forgets_everything() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let (status, _) = app.call(Method::DELETE, "/users/u1", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.get("/users/u1").await.1, json!({ "isEnrolled": false }));
    assert_eq!(app.get("/users/u1/authenticators").await.1, json!([]));
}

#[tokio::test]
async fn enroll_verified_checks_email_and_e164_phone() {
    let app = TestApp::spawn().await;
    let body = app.enroll_email("u1", "jane@example.com").await;
    let authenticator = &body["authenticator"];
    assert_eq!(authenticator["verificationMethod"], "EMAIL_OTP");
    assert_eq!(authenticator["email"], "jane@example.com");
    assert_eq!(authenticator["userId"], "u1");
    assert!(authenticator["userAuthenticatorId"]
        .as_str()
        .is_some_and(|id| id.len() == 36));
    assert!(authenticator["createdAt"]
        .as_str()
        .is_some_and(|at| at.ends_with('Z')));

    let (status, body) = app
        .post(
            "/users/u1/authenticators",
            json!({ "verificationMethod": "SMS", "phoneNumber": "+64215550123" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["authenticator"]["phoneNumber"], "+64215550123");

    let (status, _) = app
        .post(
            "/users/u2/authenticators",
            json!({ "verificationMethod": "EMAIL_MAGIC_LINK", "email": "x@example.org" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let refused = [
        json!({ "verificationMethod": "EMAIL_OTP", "email": "nope" }),
        json!({ "verificationMethod": "EMAIL_OTP" }),
        json!({ "verificationMethod": "SMS", "phoneNumber": "0215550123" }),
        json!({ "verificationMethod": "SMS" }),
        json!({ "verificationMethod": "AUTHENTICATOR_APP" }),
        json!({ "verificationMethod": "PASSKEY" }),
        json!({ "email": "jane@example.com" }),
    ];
    for body in refused {
        let (status, error) = app.post("/users/u1/authenticators", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error["errorCode"], "invalid_request");
        assert!(error["errorDescription"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
    }

    let (_, list) = app.get("/users/u1/authenticators").await;
    let methods: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["verificationMethod"].as_str())
        .collect();
    assert_eq!(methods, ["EMAIL_OTP", "SMS"]);

    let (_, user) = app.get("/users/u1").await;
    assert_eq!(user["isEnrolled"], true);
    assert_eq!(
        user["enrolledVerificationMethods"],
        json!(["EMAIL_OTP", "SMS"])
    );
    assert_eq!(
        user["defaultVerificationMethod"], "EMAIL_OTP",
        "the first method is the default"
    );
}

#[tokio::test]
async fn a_bad_json_body_is_an_invalid_request() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.api("/users/u1/authenticators"))
        .basic_auth(SECRET, Some(""))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errorCode"], "invalid_request");
}

#[tokio::test]
async fn delete_authenticator_is_404_for_unknown_or_someone_elses() {
    let app = TestApp::spawn().await;
    let mine = app.enroll_email("u1", "jane@example.com").await["authenticator"]
        ["userAuthenticatorId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.enroll_email("u2", "bob@example.com").await;

    let (status, body) = app
        .call(Method::DELETE, "/users/u1/authenticators/no-such-id", None)
        .await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/users/u2/authenticators/{mine}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "u2 cannot delete u1's authenticator"
    );
    assert_eq!(
        app.get("/users/u1/authenticators")
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/users/u1/authenticators/{mine}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.get("/users/u1").await.1["isEnrolled"],
        false,
        "the API may delete the last one"
    );
}

#[tokio::test]
async fn track_allows_unenrolled_and_challenges_enrolled_users() {
    let app = TestApp::spawn().await;
    let body = app
        .track(
            "u1",
            "signIn",
            json!({ "redirectUrl": "https://app.example/back" }),
        )
        .await;
    assert_eq!(body["state"], "ALLOW");
    assert_eq!(body["isEnrolled"], false);
    assert_eq!(body["enrolledVerificationMethods"], json!([]));
    assert_eq!(
        body["allowedVerificationMethods"],
        json!(["EMAIL_OTP", "SMS", "AUTHENTICATOR_APP", "PASSKEY"])
    );
    let token = body["token"].as_str().expect("token");
    assert_eq!(body["url"], format!("{}/ui?token={token}", app.base));
    assert!(body["idempotencyKey"]
        .as_str()
        .is_some_and(|k| !k.is_empty()));

    app.enroll_email("u1", "jane@example.com").await;
    let body = app.track("u1", "signIn", json!({})).await;
    assert_eq!(body["state"], "CHALLENGE_REQUIRED");
    assert_eq!(body["isEnrolled"], true);
    assert_eq!(body["defaultVerificationMethod"], "EMAIL_OTP");
}

#[tokio::test]
async fn track_validates_action_code_and_redirect_url() {
    let app = TestApp::spawn().await;
    for path in [
        "/users/u1/actions/sign%20in",
        &format!("/users/u1/actions/{}", "a".repeat(65)),
        "/users/u1/actions/sign.in",
    ] {
        let (status, body) = app.post(path, json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(body["errorCode"], "invalid_request");
    }
    let (status, _) = app
        .post(
            "/users/u1/actions/ok_code-1",
            json!({ "redirectUrl": "javascript:alert(1)" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .post(
            "/users/u1/actions/ok_code-1",
            json!({ "redirectUrl": "/relative" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn track_honours_the_idempotency_key() {
    let app = TestApp::spawn().await;
    let first = app
        .track("u1", "signIn", json!({ "idempotencyKey": "key-1" }))
        .await;
    app.advance(5);
    let again = app
        .track(
            "u1",
            "signIn",
            json!({ "idempotencyKey": "key-1", "redirectUrl": "https://other.example" }),
        )
        .await;
    assert_eq!(first["idempotencyKey"], "key-1");
    assert_eq!(first["token"], again["token"]);
    assert_eq!(first["url"], again["url"]);
    let other = app
        .track("u1", "signIn", json!({ "idempotencyKey": "key-2" }))
        .await;
    assert_ne!(first["token"], other["token"]);
}

#[tokio::test]
async fn get_and_update_action_by_idempotency_key() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let tracked = app
        .track("u1", "signIn", json!({ "idempotencyKey": "k1" }))
        .await;
    assert_eq!(tracked["state"], "CHALLENGE_REQUIRED");

    let (status, action) = app.get("/users/u1/actions/signIn/k1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(action["state"], "CHALLENGE_REQUIRED");
    assert!(action["createdAt"].is_string() && action["stateUpdatedAt"].is_string());
    assert_eq!(action["ruleIds"], json!([]));

    let (status, body) = app.get("/users/u1/actions/signIn/unknown").await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = app.get("/users/u2/actions/signIn/k1").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "keys are per user");

    app.advance(3);
    let (status, body) = app
        .call(
            Method::PATCH,
            "/users/u1/actions/signIn/k1",
            Some(json!({ "state": "REVIEW_REQUIRED" })),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "state": "REVIEW_REQUIRED" }))
    );
    let (_, action) = app.get("/users/u1/actions/signIn/k1").await;
    assert_eq!(action["state"], "REVIEW_REQUIRED");
    assert_ne!(action["stateUpdatedAt"], action["createdAt"]);

    let (status, _) = app
        .call(
            Method::PATCH,
            "/users/u1/actions/signIn/k1",
            Some(json!({ "state": "MAYBE" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::PATCH,
            "/users/u1/actions/signIn/k1",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .call(
            Method::PATCH,
            "/users/u1/actions/signIn/nope",
            Some(json!({ "state": "ALLOW" })),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn validate_reports_pending_and_refuses_mismatches_forgeries_and_expiry() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let tracked = app
        .track("u1", "signIn", json!({ "idempotencyKey": "k1" }))
        .await;
    let token = tracked["token"].as_str().expect("token").to_owned();

    let pending = app
        .validate(json!({ "token": token, "userId": "u1", "action": "signIn" }))
        .await;
    assert_eq!(pending["isValid"], false);
    assert_eq!(pending["state"], "CHALLENGE_REQUIRED");
    assert_eq!(pending["userId"], "u1");
    assert!(pending["error"].is_string());

    // Completing the action (here through the API; the UI tests do it for real).
    app.call(
        Method::PATCH,
        "/users/u1/actions/signIn/k1",
        Some(json!({ "state": "CHALLENGE_SUCCEEDED" })),
    )
    .await;
    let valid = app
        .validate(json!({ "token": token, "userId": "u1", "action": "signIn" }))
        .await;
    assert_eq!(valid["isValid"], true);
    assert_eq!(valid["state"], "CHALLENGE_SUCCEEDED");
    assert_eq!(valid["action"], "signIn");
    assert_eq!(valid["actionCode"], "signIn");
    assert_eq!(valid["idempotencyKey"], "k1");
    assert!(valid["stateUpdatedAt"].is_string());
    assert!(valid.get("error").is_none());
    assert_eq!(
        app.validate(json!({ "token": token })).await["isValid"],
        true,
        "userId and action are optional"
    );

    assert_eq!(
        app.validate(json!({ "token": token, "userId": "u2" }))
            .await,
        json!({ "isValid": false, "error": "User is invalid." })
    );
    assert_eq!(
        app.validate(json!({ "token": token, "action": "other" }))
            .await,
        json!({ "isValid": false, "error": "Action is invalid." })
    );

    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        app.validate(json!({ "token": forged })).await["isValid"],
        false
    );
    assert_eq!(
        app.validate(json!({ "token": "not.a.token" })).await["error"],
        "Token is invalid."
    );

    let (status, body) = app.post("/validate", json!({})).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );

    app.advance(10 * 60);
    let expired = app
        .validate(json!({ "token": token, "userId": "u1", "action": "signIn" }))
        .await;
    assert_eq!(
        expired,
        json!({ "isValid": false, "error": "Token has expired." })
    );
}

#[tokio::test]
async fn an_allowed_but_unfinished_action_is_not_valid() {
    let app = TestApp::spawn().await;
    let tracked = app.track("u1", "enroll", json!({})).await;
    let body = app.validate(json!({ "token": tracked["token"] })).await;
    assert_eq!(body["isValid"], false);
    assert_eq!(body["state"], "ALLOW");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_json() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/no/such/route").await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = app.call(Method::PUT, "/validate", Some(json!({}))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

async fn set_fault(app: &TestApp, fault: Value) -> StatusCode {
    app.client
        .put(format!("{}/_faults", app.base))
        .json(&fault)
        .send()
        .await
        .expect("faults")
        .status()
}

#[tokio::test]
async fn a_fault_cannot_hold_connections_for_ever() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .put(format!("{}/_faults", app.base))
        .json(&json!({ "route": "*", "latencyMs": 86_400_000u64 }))
        .send()
        .await
        .expect("faults");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["errorDescription"]
            .as_str()
            .is_some_and(|d| d.contains("latencyMs must be at most 60000")),
        "{body}"
    );
    assert_eq!(
        set_fault(&app, json!({ "route": "*", "latencyMs": 60_000 })).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_are_injected_per_route_and_cleared() {
    let app = TestApp::spawn().await;
    assert_eq!(
        set_fault(
            &app,
            json!({ "route": "getUser", "status": 503, "times": 1 })
        )
        .await,
        StatusCode::OK
    );
    let (status, body) = app.get("/users/u1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["errorCode"].is_string());
    assert_eq!(
        app.get("/users/u1").await.0,
        StatusCode::OK,
        "times ran out"
    );

    set_fault(&app, json!({ "route": "track", "status": 429 })).await;
    let (status, body) = app.post("/users/u1/actions/signIn", json!({})).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_requests"))
    );
    assert_eq!(
        app.get("/users/u1").await.0,
        StatusCode::OK,
        "other routes unaffected"
    );

    set_fault(
        &app,
        json!({ "route": "getAuthenticators", "malformedBody": true, "times": 1 }),
    )
    .await;
    let response = app
        .send(Method::GET, "/users/u1/authenticators", None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        serde_json::from_slice::<Value>(&response.bytes().await.expect("bytes")).is_err(),
        "garbage body"
    );

    set_fault(
        &app,
        json!({ "route": "validate", "dropConnection": true, "times": 1 }),
    )
    .await;
    let dropped = app
        .client
        .post(app.api("/validate"))
        .basic_auth(SECRET, Some(""))
        .json(&json!({ "token": "x" }))
        .send()
        .await;
    let broken = match dropped {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(broken, "the connection breaks");

    set_fault(&app, json!({ "route": "*", "latencyMs": 300, "times": 1 })).await;
    let started = std::time::Instant::now();
    assert_eq!(app.get("/users/u1").await.0, StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    set_fault(&app, json!({ "route": "*", "status": 500 })).await;
    assert_eq!(
        app.get("/users/u1").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let cleared = app
        .client
        .delete(format!("{}/_faults", app.base))
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(app.get("/users/u1").await.0, StatusCode::OK);

    assert_eq!(
        set_fault(&app, json!({ "route": "everything", "status": 500 })).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        set_fault(&app, json!({ "route": "track", "status": 418 })).await,
        StatusCode::BAD_REQUEST
    );
}

async fn stats(app: &TestApp) -> Value {
    let response = app
        .client
        .get(format!("{}/_test/stats", app.base))
        .send()
        .await
        .expect("stats");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("stats json")
}

#[tokio::test]
async fn stats_count_api_calls_per_route_and_reset() {
    let app = TestApp::spawn().await;
    app.get("/users/u1").await;
    app.get("/users/u1/authenticators").await;
    app.get("/users/u1").await;
    app.track("u1", "enroll", json!({})).await;
    app.call(
        Method::PATCH,
        "/users/u1",
        Some(json!({ "displayName": "Jo" })),
    )
    .await;
    set_fault(
        &app,
        json!({ "route": "getUser", "status": 503, "times": 1 }),
    )
    .await;
    app.get("/users/u1").await;
    let unauthorized = app
        .client
        .get(app.api("/users/u1"))
        .send()
        .await
        .expect("401");
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        stats(&app).await,
        json!({
            "total": 6,
            "routes": {
                "getUser": 3,
                "getAuthenticators": 1,
                "track": 1,
                "PATCH /sandbox/v1/users/{user_id}": 1
            }
        }),
        "faulted calls count, unauthorized ones don't"
    );

    let reset = app
        .client
        .delete(format!("{}/_test/stats", app.base))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(stats(&app).await, json!({ "total": 0, "routes": {} }));
}

#[tokio::test]
async fn test_hooks_are_404_unless_enabled() {
    let app = TestApp::spawn_with(false, Arc::new(tempfile::TempDir::new().expect("dir"))).await;
    assert_eq!(
        set_fault(&app, json!({ "route": "*", "status": 500 })).await,
        StatusCode::NOT_FOUND
    );
    let advance = app
        .client
        .post(format!("{}/_test/clock/advance", app.base))
        .json(&json!({ "seconds": 60 }))
        .send()
        .await
        .expect("hook");
    assert_eq!(advance.status(), StatusCode::NOT_FOUND);
    let stats = app
        .client
        .get(format!("{}/_test/stats", app.base))
        .send()
        .await
        .expect("stats");
    assert_eq!(stats.status(), StatusCode::NOT_FOUND);
    let outcome = app
        .client
        .put(format!("{}/_test/actions/signIn", app.base))
        .json(&json!({ "defaultOutcome": "BLOCK" }))
        .send()
        .await
        .expect("hook");
    assert_eq!(outcome.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/users/u1").await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_clock_hook_moves_time_for_one_user_or_everyone() {
    let app = TestApp::spawn().await;
    let alice = app.track("alice", "signIn", json!({})).await;
    let bob = app.track("bob", "signIn", json!({})).await;
    let moved: Value = app
        .client
        .post(format!("{}/_test/clock/advance", app.base))
        .json(&json!({ "seconds": 601, "userId": "alice" }))
        .send()
        .await
        .expect("hook")
        .json()
        .await
        .expect("json");
    assert!(moved["now"].is_string());
    assert_eq!(
        app.validate(json!({ "token": alice["token"] })).await["error"],
        "Token has expired."
    );
    assert_eq!(
        app.validate(json!({ "token": bob["token"] })).await["state"],
        "ALLOW",
        "bob's clock did not move"
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = Arc::new(tempfile::TempDir::new().expect("dir"));
    let first = TestApp::spawn_with(false, dir.clone()).await;
    first.enroll_email("u1", "jane@example.com").await;
    drop(first);
    let second = TestApp::spawn_with(false, dir).await;
    assert_eq!(second.get("/users/u1").await.1["isEnrolled"], true);
}
