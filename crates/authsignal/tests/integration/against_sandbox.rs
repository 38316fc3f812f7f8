//! Scenario: the real client against the local Authsignal sandbox, over HTTP.

use authsignal::{
    ActionState, Client, EnrollVerifiedAuthenticatorRequest, Error, RetryPolicy, TrackRequest,
    UpdateActionRequest, UpdateUserRequest, ValidateChallengeRequest, VerificationMethod,
};
use secrecy::SecretString;

use crate::common::sandbox::{client, start_sandbox, SECRET};

#[tokio::test]
async fn every_endpoint_round_trips_against_the_sandbox() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base, SECRET);
    let user = "shop:42@x";

    let fresh = client.get_user(user).await.unwrap();
    assert!(!fresh.is_enrolled);

    let updated = client
        .update_user(
            user,
            &UpdateUserRequest {
                email: Some("ada@example.com".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("ada@example.com"));

    let track = client
        .track(
            user,
            "enroll",
            &TrackRequest {
                redirect_url: Some("https://shop.example/account".into()),
                redirect_to_settings: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(track.state, ActionState::Allow);
    assert!(!track.is_enrolled);
    assert!(track.url.starts_with(&sandbox.base));

    // Nothing was completed in the UI: the token is genuine but not valid yet.
    let pending = client
        .validate_challenge(&ValidateChallengeRequest::for_user_action(
            track.token.clone(),
            user,
            "enroll",
        ))
        .await
        .unwrap();
    assert!(!pending.is_valid);
    assert!(!pending.succeeded_for(user, "enroll"));
    let wrong_user = client
        .validate_challenge(&ValidateChallengeRequest::for_user_action(
            track.token.clone(),
            "someone-else",
            "enroll",
        ))
        .await
        .unwrap();
    assert!(!wrong_user.is_valid);

    let enrolled = client
        .enroll_verified_authenticator(
            user,
            &EnrollVerifiedAuthenticatorRequest::email_otp("ada@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(
        enrolled.authenticator.verification_method,
        VerificationMethod::EmailOtp
    );
    let list = client.get_authenticators(user).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].email.as_deref(), Some("ada@example.com"));
    assert!(client.get_user(user).await.unwrap().is_enrolled);

    let manage = client
        .track(user, "manage", &TrackRequest::default())
        .await
        .unwrap();
    assert_eq!(manage.state, ActionState::ChallengeRequired);
    let action = client
        .get_action(user, "manage", &manage.idempotency_key)
        .await
        .unwrap();
    assert_eq!(action.state, ActionState::ChallengeRequired);
    let reviewed = client
        .update_action(
            user,
            "manage",
            &manage.idempotency_key,
            &UpdateActionRequest {
                state: ActionState::ChallengeFailed,
            },
        )
        .await
        .unwrap();
    assert_eq!(reviewed.state, ActionState::ChallengeFailed);
    let unknown = client
        .get_action(user, "manage", "no-such-key")
        .await
        .unwrap_err();
    assert!(unknown.is_not_found());

    client
        .delete_authenticator(user, &list[0].user_authenticator_id)
        .await
        .unwrap();
    let gone = client
        .delete_authenticator(user, &list[0].user_authenticator_id)
        .await
        .unwrap_err();
    assert!(gone.is_not_found());
    client.delete_user(user).await.unwrap();
    assert!(!client.get_user(user).await.unwrap().is_enrolled);
}

#[tokio::test]
async fn sandbox_errors_come_back_typed() {
    let sandbox = start_sandbox().await;
    let wrong_key = client(&sandbox.base, "not-the-key")
        .get_user("u1")
        .await
        .unwrap_err();
    assert!(wrong_key.is_unauthorized());
    assert_eq!(wrong_key.code(), Some("unauthorized"));

    let invalid = client(&sandbox.base, SECRET)
        .enroll_verified_authenticator(
            "u1",
            &EnrollVerifiedAuthenticatorRequest::sms("not-a-phone"),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid.status(), Some(400));
    assert_eq!(invalid.code(), Some("invalid_request"));

    // Injected faults: 503 is retried for GET, garbage is a decode error.
    let http = reqwest::Client::new();
    http.put(format!("{}/_faults", sandbox.base))
        .json(&serde_json::json!({"route": "getUser", "status": 503, "times": 2}))
        .send()
        .await
        .unwrap();
    let retrying = Client::builder(SecretString::from(SECRET.to_string()))
        .base_url(format!("{}/v1", sandbox.base))
        .retry_policy(RetryPolicy {
            max_retries: 2,
            base_delay: std::time::Duration::from_millis(10),
        })
        .build()
        .unwrap();
    assert!(
        retrying.get_user("u1").await.is_ok(),
        "two 503s then success"
    );

    http.put(format!("{}/_faults", sandbox.base))
        .json(&serde_json::json!({"route": "getAuthenticators", "malformedBody": true}))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        client(&sandbox.base, SECRET).get_authenticators("u1").await,
        Err(Error::Decode { .. })
    ));
}

/// Sets what the sandbox's track answers for `action` (its `/_test/actions` hook).
async fn set_outcome(base: &str, action: &str, outcome: &str) {
    let response = reqwest::Client::new()
        .put(format!("{base}/_test/actions/{action}"))
        .json(&serde_json::json!({ "defaultOutcome": outcome }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

#[tokio::test]
async fn a_review_is_resolved_with_update_action() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base, SECRET);
    set_outcome(&sandbox.base, "payout", "REVIEW").await;
    let tracked = client
        .track("u1", "payout", &TrackRequest::default())
        .await
        .unwrap();
    assert_eq!(tracked.state, ActionState::ReviewRequired);

    let updated = client
        .update_action(
            "u1",
            "payout",
            &tracked.idempotency_key,
            &UpdateActionRequest {
                state: ActionState::ReviewSucceeded,
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.state, ActionState::ReviewSucceeded);
    let action = client
        .get_action("u1", "payout", &tracked.idempotency_key)
        .await
        .unwrap();
    assert_eq!(action.state, ActionState::ReviewSucceeded);

    // isValid is about a completed challenge; the review's outcome is in `state`.
    let validated = client
        .validate_challenge(&ValidateChallengeRequest::for_user_action(
            tracked.token,
            "u1",
            "payout",
        ))
        .await
        .unwrap();
    assert!(!validated.is_valid);
    assert_eq!(validated.state, Some(ActionState::ReviewSucceeded));
    assert!(!validated.succeeded_for("u1", "payout"));
}

#[tokio::test]
async fn update_user_reads_back_the_verified_flags_and_the_phone_number_as_given() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base, SECRET);
    let request = UpdateUserRequest {
        email: Some("ada@example.com".into()),
        email_verified: Some(true),
        phone_number: Some("9876543210".into()),
        ..Default::default()
    };
    let updated = client.update_user("u1", &request).await.unwrap();
    assert_eq!(updated.email_verified, Some(true));
    assert_eq!(updated.phone_number_verified, Some(false));
    assert_eq!(updated.phone_number.as_deref(), Some("9876543210"));
}
