//! The Client API module (`Client::client_api`) against a real sandbox over HTTP: enrolling
//! an authenticator app, email and SMS codes with the token track returned, the binding
//! rule, single-use codes, the attempt cap, bad tokens and an outage mid-flow.

use std::collections::HashSet;

use authsignal::{
    scopes, ChallengeToken, ClientApi, ClientVerifyResponse, EnrollVerifiedAuthenticatorRequest,
    Error, TrackRequest, ValidateChallengeRequest, VerificationMethod,
};
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::common::sandbox::{start_sandbox, start_sandbox_with_secret, Running};

const EMAIL: &str = "ada@example.com";
const PHONE: &str = "+64215550123";

async fn track(sandbox: &Running, user: &str, action: &str, scope: Option<&str>) -> ChallengeToken {
    let request = TrackRequest {
        scope: scope.map(str::to_owned),
        ..TrackRequest::default()
    };
    sandbox
        .client()
        .track(user, action, &request)
        .await
        .unwrap()
        .token
}

/// The RFC 6238 code of a base32 secret at `unix_seconds` (SHA-1, 6 digits, 30 s).
fn totp_code(secret: &str, unix_seconds: u64) -> String {
    let key = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, key).generate(unix_seconds)
}

/// A six-digit code that is none of the codes the secret gives around `unix_seconds`.
fn wrong_totp_code(secret: &str, unix_seconds: u64) -> String {
    let near: HashSet<String> = [unix_seconds - 30, unix_seconds, unix_seconds + 30]
        .iter()
        .map(|t| totp_code(secret, *t))
        .collect();
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// A six-digit code other than `code`.
fn other_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn methods_of(sandbox: &Running, user: &str) -> Vec<VerificationMethod> {
    sandbox
        .client()
        .get_authenticators(user)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.verification_method)
        .collect()
}

fn assert_verified(response: &ClientVerifyResponse) -> ChallengeToken {
    assert!(response.is_verified, "{response:?}");
    assert_eq!(response.failure_reason, None);
    response
        .access_token
        .clone()
        .expect("a verified answer has a token")
}

#[tokio::test]
async fn totp_enrollment_verifies_and_validates_as_the_users_action() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-totp";
    let token = track(&sandbox, user, "enroll", None).await;

    let enrolled = api.enroll_totp(&token).await.unwrap();
    assert!(enrolled.uri.starts_with("otpauth://totp/"));
    assert!(enrolled.uri.contains(&enrolled.secret));
    assert!(
        methods_of(&sandbox, user).await.is_empty(),
        "pending until verified"
    );

    let now = sandbox.now_for(user).await;
    let verified = api
        .verify_totp(&token, &totp_code(&enrolled.secret, now))
        .await
        .unwrap();
    let access = assert_verified(&verified);
    let authenticator = verified.user_authenticator.expect("the new authenticator");
    assert_eq!(
        authenticator.verification_method,
        VerificationMethod::AuthenticatorApp
    );
    assert_eq!(
        authenticator.user_authenticator_id,
        enrolled.user_authenticator_id
    );

    let validated = sandbox
        .client()
        .validate_challenge(&ValidateChallengeRequest::for_user_action(
            access.clone(),
            user,
            "enroll",
        ))
        .await
        .unwrap();
    assert!(validated.succeeded_for(user, "enroll"), "{validated:?}");
    assert_eq!(
        validated.verification_method,
        Some(VerificationMethod::AuthenticatorApp)
    );

    let listed = sandbox.client().get_authenticators(user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].user_authenticator_id,
        enrolled.user_authenticator_id
    );
    assert_eq!(
        listed[0].verification_method,
        VerificationMethod::AuthenticatorApp
    );
}

/// Enrolls `method` (email or SMS) for `user` with `token` and the outbox's code.
async fn enroll_code_method(
    sandbox: &Running,
    api: &ClientApi,
    token: &ChallengeToken,
    method: VerificationMethod,
) -> ClientVerifyResponse {
    let (enrolled, address) = match method {
        VerificationMethod::Sms => (api.enroll_sms(token, PHONE).await.unwrap(), PHONE),
        _ => (api.enroll_email_otp(token, EMAIL).await.unwrap(), EMAIL),
    };
    assert!(!enrolled.user_authenticator_id.is_empty());
    let code = sandbox.latest_code(address).await;
    let verified = match method {
        VerificationMethod::Sms => api.verify_sms(token, &code).await.unwrap(),
        _ => api.verify_email_otp(token, &code).await.unwrap(),
    };
    assert_verified(&verified);
    let authenticator = verified.user_authenticator.clone().expect("enrolled");
    assert_eq!(authenticator.verification_method, method);
    assert_eq!(
        authenticator.user_authenticator_id,
        enrolled.user_authenticator_id
    );
    verified
}

async fn code_method_enrolls_then_challenges(method: VerificationMethod) {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-code";
    let token = track(&sandbox, user, "enroll", None).await;
    let verified = enroll_code_method(&sandbox, &api, &token, method.clone()).await;
    let validated = sandbox
        .client()
        .validate_challenge(&ValidateChallengeRequest::for_user_action(
            verified.access_token.unwrap(),
            user,
            "enroll",
        ))
        .await
        .unwrap();
    assert!(validated.succeeded_for(user, "enroll"), "{validated:?}");
    let listed = sandbox.client().get_authenticators(user).await.unwrap();
    assert_eq!(listed.len(), 1);
    match method {
        VerificationMethod::Sms => assert_eq!(listed[0].phone_number.as_deref(), Some(PHONE)),
        _ => assert_eq!(listed[0].email.as_deref(), Some(EMAIL)),
    }

    // Later, a challenge with the enrolled method: a new code to the same address.
    let sign_in = track(&sandbox, user, "signIn", None).await;
    let (address, challenged) = match method {
        VerificationMethod::Sms => (PHONE, api.challenge_sms(&sign_in).await.unwrap()),
        _ => (EMAIL, api.challenge_email_otp(&sign_in).await.unwrap()),
    };
    assert!(challenged.challenge_id.is_some());
    let code = sandbox.latest_code(address).await;
    let answered = match method {
        VerificationMethod::Sms => api.verify_sms(&sign_in, &code).await.unwrap(),
        _ => api.verify_email_otp(&sign_in, &code).await.unwrap(),
    };
    let access = assert_verified(&answered);
    assert_eq!(
        answered.user_authenticator, None,
        "a challenge enrolls nothing"
    );
    let validated = sandbox
        .client()
        .validate_challenge(&ValidateChallengeRequest::for_user_action(
            access, user, "signIn",
        ))
        .await
        .unwrap();
    assert!(validated.succeeded_for(user, "signIn"), "{validated:?}");
    assert_eq!(methods_of(&sandbox, user).await, vec![method]);
}

#[tokio::test]
async fn email_otp_enrolls_and_challenges_with_the_outbox_code() {
    code_method_enrolls_then_challenges(VerificationMethod::EmailOtp).await;
}

#[tokio::test]
async fn sms_enrolls_and_challenges_with_the_outbox_code() {
    code_method_enrolls_then_challenges(VerificationMethod::Sms).await;
}

#[tokio::test]
async fn a_second_method_needs_the_add_scope_or_a_challenge_first() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-binding";
    sandbox
        .client()
        .enroll_verified_authenticator(user, &EnrollVerifiedAuthenticatorRequest::email_otp(EMAIL))
        .await
        .unwrap();

    let token = track(&sandbox, user, "addMethod", None).await;
    let refused = api.enroll_totp(&token).await.unwrap_err();
    assert!(
        matches!(refused, Error::Api { status: 403, .. }),
        "{refused:?}"
    );
    assert_eq!(refused.code(), Some("insufficient_scope"));
    let refused = api.enroll_sms(&token, PHONE).await.unwrap_err();
    assert_eq!(
        (refused.status(), refused.code()),
        (Some(403), Some("insufficient_scope"))
    );
    let refused = api
        .enroll_email_otp(&token, "other@example.com")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert_eq!(
        methods_of(&sandbox, user).await,
        vec![VerificationMethod::EmailOtp]
    );

    // A challenge completed with the same token lets it add.
    api.challenge_email_otp(&token).await.unwrap();
    let code = sandbox.latest_code(EMAIL).await;
    assert_verified(&api.verify_email_otp(&token, &code).await.unwrap());
    let enrolled = api.enroll_sms(&token, PHONE).await.unwrap();
    let code = sandbox.latest_code(PHONE).await;
    assert_verified(&api.verify_sms(&token, &code).await.unwrap());
    let methods = methods_of(&sandbox, user).await;
    assert_eq!(methods.len(), 2, "{methods:?}");
    assert!(methods.contains(&VerificationMethod::Sms));
    assert!(!enrolled.user_authenticator_id.is_empty());

    // A token with the scope adds without a challenge.
    let scoped = track(
        &sandbox,
        user,
        "addMethod",
        Some(scopes::ADD_AUTHENTICATORS),
    )
    .await;
    let app = api.enroll_totp(&scoped).await.unwrap();
    let now = sandbox.now_for(user).await;
    assert_verified(
        &api.verify_totp(&scoped, &totp_code(&app.secret, now))
            .await
            .unwrap(),
    );
    assert_eq!(methods_of(&sandbox, user).await.len(), 3);
}

#[tokio::test]
async fn a_token_is_valid_only_for_its_own_user_and_action() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let token = track(&sandbox, "ca-alice", "enroll", None).await;
    let access = enroll_code_method(&sandbox, &api, &token, VerificationMethod::EmailOtp)
        .await
        .access_token
        .unwrap();
    let server = sandbox.client();
    for (user, action) in [("ca-bob", "enroll"), ("ca-alice", "signIn")] {
        let validated = server
            .validate_challenge(&ValidateChallengeRequest::for_user_action(
                access.clone(),
                user,
                action,
            ))
            .await
            .unwrap();
        assert!(!validated.is_valid, "{user}/{action}: {validated:?}");
        assert!(!validated.succeeded_for(user, action));
    }

    // Bob's token enrolls for Bob, never for Alice, whatever the address.
    let bob = track(&sandbox, "ca-bob", "enroll", None).await;
    let app = api.enroll_totp(&bob).await.unwrap();
    let now = sandbox.now_for("ca-bob").await;
    assert_verified(
        &api.verify_totp(&bob, &totp_code(&app.secret, now))
            .await
            .unwrap(),
    );
    assert_eq!(
        methods_of(&sandbox, "ca-alice").await,
        vec![VerificationMethod::EmailOtp]
    );
    assert_eq!(
        methods_of(&sandbox, "ca-bob").await,
        vec![VerificationMethod::AuthenticatorApp]
    );
}

#[tokio::test]
async fn garbage_foreign_and_expired_tokens_are_refused() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();

    let garbage = api
        .enroll_totp(&ChallengeToken::new("garbage"))
        .await
        .unwrap_err();
    assert!(garbage.is_unauthorized(), "{garbage:?}");
    assert_eq!(garbage.code(), Some("invalid_token"));

    // Another tenant's token: well formed, signed with another key.
    let other = start_sandbox_with_secret("another-tenant-secret").await;
    let foreign = track(&other, "ca-expiry", "enroll", None).await;
    let refused = api.enroll_totp(&foreign).await.unwrap_err();
    assert_eq!(
        (refused.status(), refused.code()),
        (Some(401), Some("invalid_token"))
    );

    let token = track(&sandbox, "ca-expiry", "enroll", None).await;
    api.enroll_email_otp(&token, EMAIL).await.unwrap();
    let code = sandbox.latest_code(EMAIL).await;
    sandbox.advance_clock("ca-expiry", 10 * 60 + 1).await;
    let expired = api.verify_email_otp(&token, &code).await.unwrap_err();
    assert_eq!(
        (expired.status(), expired.code()),
        (Some(401), Some("expired_token"))
    );
    assert!(methods_of(&sandbox, "ca-expiry").await.is_empty());
}

#[tokio::test]
async fn parallel_answers_with_one_code_verify_once() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-race";
    let token = track(&sandbox, user, "enroll", None).await;
    api.enroll_email_otp(&token, EMAIL).await.unwrap();
    let code = sandbox.latest_code(EMAIL).await;
    let answers = verify_in_parallel(&api, &token, &code, VerifyWith::Email).await;
    assert_eq!(
        answers.iter().filter(|a| a.is_verified).count(),
        1,
        "{answers:?}"
    );
    assert!(answers
        .iter()
        .filter(|a| !a.is_verified)
        .all(|a| a.access_token.is_none() && a.failure_reason.is_some()));

    // The same for an authenticator app's enrollment code.
    let other = "ca-race-app";
    let token = track(&sandbox, other, "enroll", None).await;
    let app = api.enroll_totp(&token).await.unwrap();
    let code = totp_code(&app.secret, sandbox.now_for(other).await);
    let answers = verify_in_parallel(&api, &token, &code, VerifyWith::Totp).await;
    assert_eq!(
        answers.iter().filter(|a| a.is_verified).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.user_authenticator.is_some())
            .count(),
        1
    );
    assert_eq!(
        methods_of(&sandbox, other).await,
        vec![VerificationMethod::AuthenticatorApp]
    );
}

#[derive(Clone, Copy)]
enum VerifyWith {
    Email,
    Totp,
}

async fn verify_in_parallel(
    api: &ClientApi,
    token: &ChallengeToken,
    code: &str,
    with: VerifyWith,
) -> Vec<ClientVerifyResponse> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (api, token, code) = (api.clone(), token.clone(), code.to_owned());
        tasks.spawn(async move {
            match with {
                VerifyWith::Email => api.verify_email_otp(&token, &code).await,
                VerifyWith::Totp => api.verify_totp(&token, &code).await,
            }
        });
    }
    tasks
        .join_all()
        .await
        .into_iter()
        .map(|answer| answer.unwrap())
        .collect()
}

#[tokio::test]
async fn wrong_codes_are_refused_and_five_exhaust_the_attempts() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-wrong";
    let token = track(&sandbox, user, "enroll", None).await;
    api.enroll_email_otp(&token, EMAIL).await.unwrap();
    let code = sandbox.latest_code(EMAIL).await;
    let wrong = other_code(&code);
    for attempt in 1..=4 {
        let answer = api.verify_email_otp(&token, &wrong).await.unwrap();
        assert!(!answer.is_verified, "attempt {attempt}");
        assert!(
            !answer.attempts_exhausted(),
            "attempt {attempt}: {answer:?}"
        );
        assert_eq!(
            answer.failure_reason.as_deref(),
            Some("CODE_INVALID_OR_EXPIRED")
        );
        assert_eq!(answer.access_token, None);
    }
    let fifth = api.verify_email_otp(&token, &wrong).await.unwrap();
    assert!(
        !fifth.is_verified && fifth.attempts_exhausted(),
        "{fifth:?}"
    );
    let right = api.verify_email_otp(&token, &code).await.unwrap();
    assert!(!right.is_verified, "the code is burnt: {right:?}");
    assert!(right.attempts_exhausted());
    assert!(methods_of(&sandbox, user).await.is_empty());

    // An authenticator app's enrollment takes five wrong answers too.
    let other = "ca-wrong-app";
    let token = track(&sandbox, other, "enroll", None).await;
    let app = api.enroll_totp(&token).await.unwrap();
    let now = sandbox.now_for(other).await;
    let wrong = wrong_totp_code(&app.secret, now);
    for attempt in 1..=4 {
        let answer = api.verify_totp(&token, &wrong).await.unwrap();
        assert!(
            !answer.is_verified && !answer.attempts_exhausted(),
            "attempt {attempt}: {answer:?}"
        );
    }
    let fifth = api.verify_totp(&token, &wrong).await.unwrap();
    assert!(
        !fifth.is_verified && fifth.attempts_exhausted(),
        "{fifth:?}"
    );
    let right = api
        .verify_totp(&token, &totp_code(&app.secret, now))
        .await
        .unwrap();
    assert!(
        !right.is_verified && right.attempts_exhausted(),
        "{right:?}"
    );
    assert!(methods_of(&sandbox, other).await.is_empty());
}

#[tokio::test]
async fn an_outage_on_verify_is_a_typed_error_and_enrolls_nothing() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-outage";
    let token = track(&sandbox, user, "enroll", None).await;
    api.enroll_email_otp(&token, EMAIL).await.unwrap();
    let code = sandbox.latest_code(EMAIL).await;

    let route = "POST /client/verify/email-otp";
    sandbox
        .set_fault(json!({ "route": route, "status": 503, "times": 1 }))
        .await;
    let unavailable = api.verify_email_otp(&token, &code).await.unwrap_err();
    assert!(
        matches!(unavailable, Error::Api { status: 503, .. }),
        "{unavailable:?}"
    );
    assert!(unavailable.is_retryable());

    sandbox
        .set_fault(json!({ "route": route, "dropConnection": true }))
        .await;
    let dropped = api.verify_email_otp(&token, &code).await.unwrap_err();
    assert!(matches!(dropped, Error::Transport { .. }), "{dropped:?}");
    sandbox
        .set_fault(json!({ "route": route, "malformedBody": true }))
        .await;
    let garbled = api.verify_email_otp(&token, &code).await.unwrap_err();
    assert!(matches!(garbled, Error::Decode { .. }), "{garbled:?}");
    // Another route's fault leaves this one alone, and the other way round.
    sandbox.clear_faults().await;
    sandbox
        .set_fault(json!({ "route": "POST /client/verify/sms", "status": 500 }))
        .await;
    assert!(
        methods_of(&sandbox, user).await.is_empty(),
        "nothing is half-enrolled"
    );

    // The failed calls spent nothing: the same code still enrolls.
    let verified = api.verify_email_otp(&token, &code).await.unwrap();
    assert_verified(&verified);
    assert_eq!(
        methods_of(&sandbox, user).await,
        vec![VerificationMethod::EmailOtp]
    );
}

#[tokio::test]
async fn client_api_calls_are_counted_per_route() {
    let sandbox = start_sandbox().await;
    let api = sandbox.client().client_api();
    let user = "ca-stats";
    let token = track(&sandbox, user, "enroll", None).await;
    api.enroll_email_otp(&token, EMAIL).await.unwrap();
    let code = sandbox.latest_code(EMAIL).await;
    let _ = api
        .verify_email_otp(&token, &other_code(&code))
        .await
        .unwrap();
    sandbox
        .set_fault(json!({ "route": "POST /client/verify/email-otp", "status": 500, "times": 1 }))
        .await;
    api.verify_email_otp(&token, &code).await.unwrap_err();
    assert_verified(&api.verify_email_otp(&token, &code).await.unwrap());
    api.challenge_email_otp(&token).await.unwrap();
    api.enroll_totp(&token).await.unwrap();

    let stats = sandbox.stats().await;
    let routes = &stats["routes"];
    assert_eq!(routes["track"], 1, "{stats}");
    assert_eq!(
        routes["POST /client/user-authenticators/email-otp"], 1,
        "{stats}"
    );
    assert_eq!(
        routes["POST /client/verify/email-otp"], 3,
        "answered and faulted calls alike: {stats}"
    );
    assert_eq!(routes["POST /client/challenge/email-otp"], 1, "{stats}");
    assert_eq!(
        routes["POST /client/user-authenticators/totp"], 1,
        "{stats}"
    );
    assert_eq!(stats["total"], 7, "{stats}");
}
