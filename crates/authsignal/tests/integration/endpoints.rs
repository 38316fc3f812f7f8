//! Each endpoint sends exactly the method, path, headers and body Authsignal expects, and
//! parses its response.

use crate::common;

use authsignal::{
    scopes, ActionState, EnrollVerifiedAuthenticatorRequest, TrackRequest, UpdateActionRequest,
    UpdateUserRequest, ValidateChallengeRequest, VerificationMethod,
};
use common::{client_for, expected_basic_auth, expected_user_agent, EmptyBody, JsonWithoutNulls};
use serde_json::json;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// Method, exact path, auth and user agent: what every request must carry.
fn expect_request(http_method: &str, exact_path: &str) -> MockBuilder {
    Mock::given(method(http_method))
        .and(path(exact_path))
        .and(header("authorization", expected_basic_auth().as_str()))
        .and(header("user-agent", expected_user_agent().as_str()))
}

/// A JSON body equal to `expected`, sent as JSON, with no nulls.
fn with_json_body(mock: MockBuilder, expected: serde_json::Value) -> MockBuilder {
    mock.and(header("content-type", "application/json"))
        .and(body_json(expected))
        .and(JsonWithoutNulls)
}

#[tokio::test]
async fn get_user_encodes_the_user_id_and_parses_the_user() {
    let server = MockServer::start().await;
    expect_request("GET", "/v1/users/shop%3A42%40x")
        .and(EmptyBody)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "isEnrolled": true,
            "email": "ana@example.com",
            "phoneNumber": "+64211234567",
            "enrolledVerificationMethods": ["PASSKEY", "EMAIL_OTP"],
            "allowedVerificationMethods": ["PASSKEY", "EMAIL_OTP", "SMS"],
            "defaultVerificationMethod": "PASSKEY",
        })))
        .expect(1)
        .mount(&server)
        .await;

    let user = client_for(&server)
        .get_user("shop:42@x")
        .await
        .expect("get user");

    assert!(user.is_enrolled);
    assert_eq!(user.email.as_deref(), Some("ana@example.com"));
    assert_eq!(
        user.enrolled_verification_methods,
        vec![VerificationMethod::Passkey, VerificationMethod::EmailOtp]
    );
    assert_eq!(
        user.default_verification_method,
        Some(VerificationMethod::Passkey)
    );
    assert_eq!(user.username, None);
}

#[tokio::test]
async fn update_user_patches_only_the_given_fields() {
    let server = MockServer::start().await;
    let mock = expect_request("PATCH", "/v1/users/shop%3A42%40x");
    with_json_body(
        mock,
        json!({"email": "new@example.com", "emailVerified": true}),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "userId": "shop:42@x",
        "email": "new@example.com",
    })))
    .expect(1)
    .mount(&server)
    .await;

    let request = UpdateUserRequest {
        email: Some("new@example.com".into()),
        email_verified: Some(true),
        ..Default::default()
    };
    let updated = client_for(&server)
        .update_user("shop:42@x", &request)
        .await
        .expect("update");

    assert_eq!(updated.user_id.as_deref(), Some("shop:42@x"));
    assert_eq!(updated.email.as_deref(), Some("new@example.com"));
}

#[tokio::test]
async fn delete_user_sends_delete_and_ignores_the_body() {
    let server = MockServer::start().await;
    expect_request("DELETE", "/v1/users/shop%3A42%40x")
        .and(EmptyBody)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;

    client_for(&server)
        .delete_user("shop:42@x")
        .await
        .expect("delete user");
}

#[tokio::test]
async fn delete_user_accepts_an_empty_204() {
    let server = MockServer::start().await;
    expect_request("DELETE", "/v1/users/u1")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    client_for(&server)
        .delete_user("u1")
        .await
        .expect("204 is success");
}

#[tokio::test]
async fn get_authenticators_parses_the_array() {
    let server = MockServer::start().await;
    expect_request("GET", "/v1/users/shop%3A42%40x/authenticators")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"userAuthenticatorId": "a1", "verificationMethod": "EMAIL_OTP",
             "createdAt": "2025-01-02T03:04:05.000Z", "email": "ana@example.com"},
            {"userAuthenticatorId": "a2", "verificationMethod": "SMS",
             "createdAt": "2025-01-03T03:04:05.000Z", "phoneNumber": "+64211234567",
             "previousSmsChannel": "WHATSAPP"}
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let authenticators = client_for(&server)
        .get_authenticators("shop:42@x")
        .await
        .expect("authenticators");

    let ids: Vec<_> = authenticators
        .iter()
        .map(|a| a.user_authenticator_id.as_str())
        .collect();
    assert_eq!(ids, ["a1", "a2"]);
    assert_eq!(
        authenticators[1].previous_sms_channel,
        Some(authsignal::SmsChannel::Whatsapp)
    );
}

#[tokio::test]
async fn get_authenticators_accepts_an_empty_array() {
    let server = MockServer::start().await;
    expect_request("GET", "/v1/users/u1/authenticators")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;

    let authenticators = client_for(&server)
        .get_authenticators("u1")
        .await
        .expect("empty list");
    assert!(authenticators.is_empty());
}

#[tokio::test]
async fn enroll_verified_authenticator_posts_the_method_and_contact() {
    let server = MockServer::start().await;
    let mock = expect_request("POST", "/v1/users/shop%3A42%40x/authenticators");
    with_json_body(
        mock,
        json!({"verificationMethod": "SMS", "phoneNumber": "+64211234567"}),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "authenticator": {
            "userAuthenticatorId": "a9", "verificationMethod": "SMS",
            "createdAt": "2025-05-06T07:08:09.000Z", "userId": "shop:42@x",
            "phoneNumber": "+64211234567"
        },
        "recoveryCodes": ["abcd-efgh", "ijkl-mnop"]
    })))
    .expect(1)
    .mount(&server)
    .await;

    let request = EnrollVerifiedAuthenticatorRequest::sms("+64211234567");
    let enrolled = client_for(&server)
        .enroll_verified_authenticator("shop:42@x", &request)
        .await
        .expect("enroll");

    assert_eq!(enrolled.authenticator.user_authenticator_id, "a9");
    assert_eq!(enrolled.authenticator.user_id.as_deref(), Some("shop:42@x"));
    assert_eq!(enrolled.recovery_codes, ["abcd-efgh", "ijkl-mnop"]);
}

#[tokio::test]
async fn delete_authenticator_encodes_both_ids() {
    let server = MockServer::start().await;
    expect_request(
        "DELETE",
        "/v1/users/shop%3A42%40x/authenticators/id%2Fwith%20slash",
    )
    .and(EmptyBody)
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
    .expect(1)
    .mount(&server)
    .await;

    client_for(&server)
        .delete_authenticator("shop:42@x", "id/with slash")
        .await
        .expect("delete authenticator");
}

#[tokio::test]
async fn track_posts_a_flat_body_without_nulls() {
    let server = MockServer::start().await;
    let mock = expect_request(
        "POST",
        "/v1/users/shop%3A42%40x/actions/manageAuthenticators",
    );
    with_json_body(
        mock,
        json!({
            "redirectUrl": "https://shop.example/callback",
            "redirectToSettings": true,
            "scope": "add:authenticators update:authenticators remove:authenticators",
            "email": "ana@example.com",
            "ipAddress": "203.0.113.9",
            "userAgent": "Mozilla/5.0",
            "deviceId": "dev-1",
            "custom": {"cartTotal": 120.5, "vip": true},
            "idempotencyKey": "idem-1",
            "locale": "en-NZ",
        }),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "state": "CHALLENGE_REQUIRED",
        "idempotencyKey": "idem-1",
        "url": "https://mfa.authsignal.com/?token=abc",
        "token": "eyJhbGciOiJIUzI1NiJ9.payload.sig",
        "isEnrolled": true,
        "enrolledVerificationMethods": ["PASSKEY"],
        "allowedVerificationMethods": ["PASSKEY", "SMS"],
        "defaultVerificationMethod": "PASSKEY",
        "ruleIds": ["rule-1"],
    })))
    .expect(1)
    .mount(&server)
    .await;

    let custom = json!({"cartTotal": 120.5, "vip": true});
    let request = TrackRequest {
        redirect_url: Some("https://shop.example/callback".into()),
        redirect_to_settings: Some(true),
        scope: Some(scopes::MANAGE_WITHOUT_CHALLENGE.into()),
        email: Some("ana@example.com".into()),
        ip_address: Some("203.0.113.9".into()),
        user_agent: Some("Mozilla/5.0".into()),
        device_id: Some("dev-1".into()),
        custom: custom.as_object().cloned(),
        idempotency_key: Some("idem-1".into()),
        locale: Some("en-NZ".into()),
        ..Default::default()
    };
    let tracked = client_for(&server)
        .track("shop:42@x", "manageAuthenticators", &request)
        .await
        .expect("track");

    assert_eq!(tracked.state, ActionState::ChallengeRequired);
    assert_eq!(tracked.url, "https://mfa.authsignal.com/?token=abc");
    assert_eq!(tracked.token.expose(), "eyJhbGciOiJIUzI1NiJ9.payload.sig");
    assert_eq!(tracked.rule_ids, ["rule-1"]);
    assert_eq!(
        tracked.default_verification_method,
        Some(VerificationMethod::Passkey)
    );
}

#[tokio::test]
async fn track_with_no_attributes_sends_an_empty_object() {
    let server = MockServer::start().await;
    with_json_body(
        expect_request("POST", "/v1/users/u1/actions/signIn"),
        json!({}),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "state": "ALLOW", "idempotencyKey": "k", "url": "https://mfa.example/x",
        "token": "t", "isEnrolled": false
    })))
    .expect(1)
    .mount(&server)
    .await;

    let tracked = client_for(&server)
        .track("u1", "signIn", &TrackRequest::default())
        .await
        .expect("track");
    assert_eq!(tracked.state, ActionState::Allow);
    assert!(!tracked.is_enrolled);
}

#[tokio::test]
async fn get_action_uses_the_idempotency_key_path() {
    let server = MockServer::start().await;
    expect_request("GET", "/v1/users/shop%3A42%40x/actions/signIn/key%3A1")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "state": "CHALLENGE_SUCCEEDED",
            "createdAt": "2025-01-01T00:00:00.000Z",
            "stateUpdatedAt": "2025-01-01T00:01:00.000Z",
            "verificationMethod": "PASSKEY",
            "ruleIds": ["r1"],
            "priorityRuleId": "r1",
            "rules": [{"ruleId": "r1", "name": "New device", "description": "Challenge new devices"}],
            "output": {"score": 0.7}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let action = client_for(&server)
        .get_action("shop:42@x", "signIn", "key:1")
        .await
        .expect("get action");

    assert_eq!(action.state, ActionState::ChallengeSucceeded);
    assert_eq!(action.priority_rule_id.as_deref(), Some("r1"));
    assert_eq!(action.rules[0].name, "New device");
    assert_eq!(action.output, Some(json!({"score": 0.7})));
}

#[tokio::test]
async fn update_action_patches_the_state() {
    let server = MockServer::start().await;
    let mock = expect_request("PATCH", "/v1/users/u1/actions/signIn/k1");
    with_json_body(mock, json!({"state": "REVIEW_SUCCEEDED"}))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"state": "REVIEW_SUCCEEDED"})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let request = UpdateActionRequest {
        state: ActionState::ReviewSucceeded,
    };
    let updated = client_for(&server)
        .update_action("u1", "signIn", "k1", &request)
        .await
        .expect("update action");
    assert_eq!(updated.state, ActionState::ReviewSucceeded);
}

#[tokio::test]
async fn validate_challenge_posts_token_user_and_action() {
    let server = MockServer::start().await;
    let mock = expect_request("POST", "/v1/validate");
    with_json_body(
        mock,
        json!({"token": "tok-1", "userId": "u1", "action": "signIn"}),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "isValid": true,
        "state": "CHALLENGE_SUCCEEDED",
        "stateUpdatedAt": "2025-01-01T00:01:00.000Z",
        "userId": "u1",
        "action": "signIn",
        "actionCode": "signIn",
        "idempotencyKey": "k1",
        "verificationMethod": "PASSKEY",
    })))
    .expect(1)
    .mount(&server)
    .await;

    let request = ValidateChallengeRequest::for_user_action("tok-1", "u1", "signIn");
    let validated = client_for(&server)
        .validate_challenge(&request)
        .await
        .expect("validate");

    assert!(validated.succeeded_for("u1", "signIn"));
    assert!(!validated.succeeded_for("u2", "signIn"));
    assert_eq!(validated.idempotency_key.as_deref(), Some("k1"));
}

#[tokio::test]
async fn validate_challenge_without_user_or_action_sends_only_the_token() {
    let server = MockServer::start().await;
    with_json_body(
        expect_request("POST", "/v1/validate"),
        json!({"token": "tok-2"}),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
        "isValid": false, "error": "Action is invalid."
    })))
    .expect(1)
    .mount(&server)
    .await;

    let request = ValidateChallengeRequest {
        token: "tok-2".into(),
        ..Default::default()
    };
    let validated = client_for(&server)
        .validate_challenge(&request)
        .await
        .expect("validate");

    assert!(!validated.is_valid);
    assert_eq!(validated.error.as_deref(), Some("Action is invalid."));
    assert!(!validated.succeeded_for("u1", "signIn"));
}

#[tokio::test]
async fn dot_segments_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = client_for(&server);

    for user_id in ["", ".", ".."] {
        let err = client.get_user(user_id).await.expect_err("must refuse");
        assert!(
            matches!(err, authsignal::Error::InvalidRequest { .. }),
            "{user_id:?}: {err:?}"
        );
    }
    let err = client
        .delete_authenticator("u1", "..")
        .await
        .expect_err("must refuse");
    assert!(
        matches!(err, authsignal::Error::InvalidRequest { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn region_presets_and_custom_url_with_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sandbox/v1/users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"isEnrolled": false})))
        .expect(1)
        .mount(&server)
        .await;

    let client = authsignal::Client::builder(common::SECRET_KEY.into())
        .region(authsignal::Region::Au)
        .base_url(format!("{}/sandbox/v1/", server.uri()))
        .build()
        .expect("client");
    let user = client
        .get_user("u1")
        .await
        .expect("custom base URL wins over the preset");
    assert!(!user.is_enrolled);
}
