//! The Client API (`/v1/client/…`) as the Web SDK calls it: Bearer tokens from track, the
//! tenant id for usernameless passkey sign-in, the binding rule, CORS, and passkeys shared
//! with the pre-built UI. Passkeys use the software authenticator.

use crate::common;

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::soft_authenticator::{page_options, SoftAuthenticator};
use common::{totp, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

const TENANT: &str = "sandbox-tenant";
const VIRTUAL_AUTHENTICATOR: &str = "01020304-0506-0708-0102-030405060708";
const CHROME_ON_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async fn spawn() -> TestApp {
    TestApp::spawn_on_localhost(Arc::new(TempDir::new().expect("temp dir"))).await
}

fn authenticator(app: &TestApp) -> SoftAuthenticator {
    let origin = app.base.trim_end_matches("/sandbox").to_owned();
    SoftAuthenticator::new(&origin, VIRTUAL_AUTHENTICATOR, false)
}

/// As the Web SDK authenticates: `Bearer <token>`, or `Basic btoa(encodeURIComponent(tenantId))`.
enum As<'a> {
    Token(&'a str),
    Tenant(&'a str),
}

async fn client(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    auth: As<'_>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let header = match auth {
        As::Token(token) => format!("Bearer {token}"),
        As::Tenant(tenant) => format!("Basic {}", STANDARD.encode(tenant)),
    };
    let mut request = app
        .client
        .request(method, app.api(&format!("/client{path}")))
        .header("authorization", header)
        .header("user-agent", CHROME_ON_MAC);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

async fn post(app: &TestApp, path: &str, auth: As<'_>, body: Value) -> (StatusCode, Value) {
    client(app, reqwest::Method::POST, path, auth, Some(body)).await
}

async fn token_for(app: &TestApp, user_id: &str, action: &str, body: Value) -> String {
    app.track(user_id, action, body).await["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// `passkey.signUp({ token })`: options, the authenticator, then add.
async fn sign_up(app: &TestApp, key: &mut SoftAuthenticator, token: &str) -> (StatusCode, Value) {
    let (status, options) = post(
        app,
        "/user-authenticators/passkey/registration-options",
        As::Token(token),
        json!({ "authenticatorAttachment": "platform" }),
    )
    .await;
    if status != StatusCode::OK {
        return (status, options);
    }
    let mut created = key.create(&json!({ "publicKey": options["options"] }));
    created["authenticatorAttachment"] = json!("platform");
    post(
        app,
        "/user-authenticators/passkey",
        As::Token(token),
        json!({ "registrationCredential": created, "challengeId": options["challengeId"], "conditionalCreate": false }),
    )
    .await
}

/// `passkey.signIn({ action })` with no token: challenge, options, the authenticator, verify.
async fn sign_in(app: &TestApp, key: &mut SoftAuthenticator, action: &str) -> (StatusCode, Value) {
    let (status, challenge) = post(
        app,
        "/challenge",
        As::Tenant(TENANT),
        json!({ "action": action }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    let (status, options) = post(
        app,
        "/user-authenticators/passkey/authentication-options",
        As::Tenant(TENANT),
        json!({ "challengeId": challenge["challengeId"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(options["challengeId"], challenge["challengeId"]);
    assert_eq!(
        options["options"]["allowCredentials"],
        json!([]),
        "usernameless"
    );
    let assertion = key
        .get(&json!({ "publicKey": options["options"] }))
        .expect("a passkey answers");
    post(
        app,
        "/verify/passkey",
        As::Tenant(TENANT),
        json!({ "authenticationCredential": assertion, "challengeId": options["challengeId"], "deviceId": "device-9" }),
    )
    .await
}

#[tokio::test]
async fn passkey_sign_up_enrolls_a_new_user_and_validates() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let token = token_for(
        &app,
        "cu-1",
        "addPasskey",
        json!({ "deviceId": "device-1" }),
    )
    .await;
    let (status, added) = sign_up(&app, &mut key, &token).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["isVerified"], true);
    assert_eq!(added["userId"], "cu-1");
    let authenticator = &added["userAuthenticator"];
    assert_eq!(
        added["userAuthenticatorId"],
        authenticator["userAuthenticatorId"]
    );
    assert_eq!(authenticator["verificationMethod"], "PASSKEY");
    // Exactly as the Server API reports pre-built-UI passkeys.
    let (_, listed) = app.get("/users/cu-1/authenticators").await;
    assert_eq!(listed[0], *authenticator);
    let credential = &authenticator["webauthnCredential"];
    assert_eq!(credential["aaguidMapping"]["name"], "Virtual authenticator");
    assert_eq!(credential["name"], "Chrome on macOS");
    assert_eq!(credential["deviceId"], "device-1");
    assert_eq!(credential["authenticatorAttachment"], "platform");
    assert_eq!(credential["credentialId"], json!(key.credential_ids()[0]));
    // The fresh token and the original both prove the action now.
    for token in [text(&added["accessToken"]), token] {
        let validated = app
            .validate(json!({ "token": token, "userId": "cu-1", "action": "addPasskey" }))
            .await;
        assert_eq!(validated["isValid"], true, "{validated}");
        assert_eq!(validated["state"], "CHALLENGE_SUCCEEDED");
        assert_eq!(validated["verificationMethod"], "PASSKEY");
    }
}

#[tokio::test]
async fn registration_asks_for_a_discoverable_credential_and_excludes_existing_ones() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let token = token_for(
        &app,
        "cu-2",
        "addPasskey",
        json!({ "scope": "add:authenticators" }),
    )
    .await;
    assert_eq!(sign_up(&app, &mut key, &token).await.0, StatusCode::OK);
    let (status, options) = post(
        &app,
        "/user-authenticators/passkey/registration-options",
        As::Token(&token),
        json!({ "username": "ada" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let public_key = &options["options"];
    assert_eq!(
        public_key["authenticatorSelection"]["residentKey"],
        "required"
    );
    assert_eq!(public_key["user"]["name"], "ada");
    let mut created = key.create(&json!({ "publicKey": public_key }));
    created["authenticatorAttachment"] = json!("platform");
    let (status, added) = post(
        &app,
        "/user-authenticators/passkey",
        As::Token(&token),
        json!({ "registrationCredential": created, "challengeId": options["challengeId"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added["userAuthenticator"]["username"], "ada",
        "the name the SDK asked for"
    );
    assert_eq!(public_key["rp"]["id"], "localhost");
    assert_eq!(
        public_key["excludeCredentials"][0]["id"],
        json!(key.credential_ids()[0])
    );
}

#[tokio::test]
async fn adding_to_an_enrolled_user_needs_the_scope_or_a_recent_challenge() {
    let app = spawn().await;
    app.enroll_email("cu-3", "ada@example.com").await;
    let mut key = authenticator(&app);
    let token = token_for(&app, "cu-3", "addPasskey", json!({})).await;
    let (status, refused) = sign_up(&app, &mut key, &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["errorCode"], "insufficient_scope");
    assert_eq!(refused["error"], "insufficient_scope");
    for (path, body) in [
        ("/user-authenticators/totp", json!({})),
        (
            "/user-authenticators/email-otp",
            json!({ "email": "other@example.com" }),
        ),
        (
            "/user-authenticators/sms",
            json!({ "phoneNumber": "+64215550123" }),
        ),
    ] {
        let (status, body) = post(&app, path, As::Token(&token), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let validated = app.validate(json!({ "token": token })).await;
    assert_eq!(validated["isValid"], false);

    let scoped = token_for(
        &app,
        "cu-3",
        "addPasskey",
        json!({ "scope": "add:authenticators" }),
    )
    .await;
    let (status, added) = sign_up(&app, &mut key, &scoped).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        app.get("/users/cu-3/authenticators")
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn a_challenge_with_the_token_allows_adding_for_ten_minutes() {
    let app = spawn().await;
    app.enroll_email("cu-4", "ada@example.com").await;
    let token = token_for(&app, "cu-4", "addAuthenticatorApp", json!({})).await;
    let (status, challenge) =
        post(&app, "/challenge/email-otp", As::Token(&token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    assert!(challenge["challengeId"].is_string());
    let code = app.latest_code("ada@example.com").await;
    let (status, verified) = post(
        &app,
        "/verify/email-otp",
        As::Token(&token),
        json!({ "verificationCode": code }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert!(
        verified.get("userAuthenticator").is_none(),
        "a challenge enrolls nothing"
    );
    let fresh = text(&verified["accessToken"]);
    app.advance(9 * 60);
    let (status, enrolled) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&fresh),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enrolled}");
    // Another action of the same user has completed no challenge.
    let other = token_for(&app, "cu-4", "addAuthenticatorApp", json!({})).await;
    let (status, _) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&other),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_expired_and_foreign_tokens_are_refused() {
    let app = spawn().await;
    let token = token_for(&app, "cu-5", "enroll", json!({})).await;
    let (status, body) = post(
        &app,
        "/user-authenticators/totp",
        As::Token("garbage"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::UNAUTHORIZED, json!("invalid_token"))
    );
    // Signed with another key: the signature doesn't match.
    let (unsigned, _) = token.rsplit_once('.').expect("a JWT");
    let forged = format!("{unsigned}.c2lnbmVkLWJ5LXNvbWVvbmUtZWxzZQ");
    let (status, body) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&forged),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::UNAUTHORIZED, json!("invalid_token"))
    );
    // No Authorization at all, or another tenant's id where a token is needed.
    let response = app
        .client
        .post(app.api("/client/user-authenticators/totp"))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = post(
        &app,
        "/user-authenticators/totp",
        As::Tenant(TENANT),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthorized"))
    );
    app.advance(10 * 60 + 1);
    let (status, body) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&token),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["errorCode"], "expired_token",
        "the SDK's onTokenExpired code"
    );
    assert!(body["errorDescription"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn authenticator_app_enroll_then_verify() {
    let app = spawn().await;
    let token = token_for(&app, "cu-6", "enroll", json!({})).await;
    let (status, enrolled) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&token),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enrolled}");
    let secret = text(&enrolled["secret"]);
    assert!(text(&enrolled["uri"]).starts_with("otpauth://totp/"));
    assert_eq!(enrolled["userId"], "cu-6");
    let now = authsignal_sandbox::Clock::now(app.clock.as_ref()).unix_timestamp();
    let (_, wrong) = post(
        &app,
        "/verify/totp",
        As::Token(&token),
        json!({ "verificationCode": "000000" }),
    )
    .await;
    if totp(&secret, now) != "000000" {
        assert_eq!(wrong["isVerified"], false);
        assert_eq!(wrong["failureReason"], "CODE_INVALID_OR_EXPIRED");
    }
    let (status, verified) = post(
        &app,
        "/verify/totp",
        As::Token(&token),
        json!({ "verificationCode": totp(&secret, now) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verified["isVerified"], true, "{verified}");
    assert_eq!(
        verified["userAuthenticator"]["userAuthenticatorId"],
        enrolled["userAuthenticatorId"]
    );
    assert_eq!(
        verified["userAuthenticator"]["verificationMethod"],
        "AUTHENTICATOR_APP"
    );
    let validated = app
        .validate(json!({ "token": verified["accessToken"], "userId": "cu-6", "action": "enroll" }))
        .await;
    assert_eq!(validated["isValid"], true);
    assert_eq!(validated["state"], "CHALLENGE_SUCCEEDED");

    // Later, a challenge with the app: the next time step (the enrolling one is spent).
    app.advance(30);
    let signin = token_for(&app, "cu-6", "signIn", json!({})).await;
    let code = totp(
        &secret,
        authsignal_sandbox::Clock::now(app.clock.as_ref()).unix_timestamp(),
    );
    let (_, verified) = post(
        &app,
        "/verify/totp",
        As::Token(&signin),
        json!({ "verificationCode": code }),
    )
    .await;
    assert_eq!(verified["isVerified"], true, "{verified}");
    let (_, replayed) = post(
        &app,
        "/verify/totp",
        As::Token(&signin),
        json!({ "verificationCode": code }),
    )
    .await;
    assert_eq!(replayed["isVerified"], false, "each code works once");
    let validated = app
        .validate(json!({ "token": signin, "userId": "cu-6", "action": "signIn" }))
        .await;
    assert_eq!(validated["isValid"], true);
}

#[tokio::test]
async fn email_and_sms_enroll_then_verify_with_the_outbox_code() {
    let app = spawn().await;
    let token = token_for(
        &app,
        "cu-7",
        "enroll",
        json!({ "scope": "add:authenticators" }),
    )
    .await;
    let (status, bad) = post(
        &app,
        "/user-authenticators/email-otp",
        As::Token(&token),
        json!({ "email": "nope" }),
    )
    .await;
    assert_eq!(
        (status, bad["errorCode"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_request"))
    );
    for (path, body, to, method) in [
        (
            "email-otp",
            json!({ "email": "grace@example.com" }),
            "grace@example.com",
            "EMAIL_OTP",
        ),
        (
            "sms",
            json!({ "phoneNumber": "+64 21 555 0199" }),
            "+64215550199",
            "SMS",
        ),
    ] {
        let (status, enrolled) = post(
            &app,
            &format!("/user-authenticators/{path}"),
            As::Token(&token),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{enrolled}");
        let (_, wrong) = post(
            &app,
            &format!("/verify/{path}"),
            As::Token(&token),
            json!({ "verificationCode": "not-it" }),
        )
        .await;
        assert_eq!(
            (wrong["isVerified"].clone(), wrong["failureReason"].clone()),
            (json!(false), json!("CODE_INVALID_OR_EXPIRED"))
        );
        let code = app.latest_code(to).await;
        let (_, verified) = post(
            &app,
            &format!("/verify/{path}"),
            As::Token(&token),
            json!({ "verificationCode": code }),
        )
        .await;
        assert_eq!(verified["isVerified"], true, "{verified}");
        let authenticator = &verified["userAuthenticator"];
        assert_eq!(
            authenticator["userAuthenticatorId"],
            enrolled["userAuthenticatorId"]
        );
        assert_eq!(authenticator["verificationMethod"], method);
    }
    let (_, listed) = app.get("/users/cu-7/authenticators").await;
    assert_eq!(listed[0]["email"], "grace@example.com");
    assert_eq!(listed[1]["phoneNumber"], "+64215550199");
    // The Client API's own list masks the addresses and marks the default.
    let (status, mine) = client(
        &app,
        reqwest::Method::GET,
        "/user-authenticators",
        As::Token(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine[0]["email"], "gr•••@example.com");
    assert_eq!(mine[0]["isDefault"], true);
    assert_eq!(mine[1]["phoneNumber"], "•••• 0199");
    assert_eq!(mine[1]["isDefault"], false);
    // SMS challenge for the enrolled number.
    let signin = token_for(&app, "cu-7", "signIn", json!({})).await;
    assert_eq!(
        post(&app, "/challenge/sms", As::Token(&signin), json!({}))
            .await
            .0,
        StatusCode::OK
    );
    let code = app.latest_code("+64215550199").await;
    let (_, verified) = post(
        &app,
        "/verify/sms",
        As::Token(&signin),
        json!({ "verificationCode": code }),
    )
    .await;
    assert_eq!(verified["isVerified"], true);
}

#[tokio::test]
async fn usernameless_sign_in_creates_the_action_for_the_user_who_answered() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let token = token_for(&app, "cu-8", "enroll", json!({})).await;
    assert_eq!(sign_up(&app, &mut key, &token).await.0, StatusCode::OK);
    let (status, signed_in) = sign_in(&app, &mut key, "signInWithPasskey").await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["isVerified"], true);
    assert_eq!(signed_in["userId"], "cu-8");
    assert_eq!(signed_in["username"], "cu-8");
    let (_, listed) = app.get("/users/cu-8/authenticators").await;
    assert_eq!(
        signed_in["userAuthenticatorId"],
        listed[0]["userAuthenticatorId"]
    );
    let validated = app
        .validate(json!({ "token": signed_in["accessToken"], "userId": "cu-8", "action": "signInWithPasskey" }))
        .await;
    assert_eq!(validated["isValid"], true, "{validated}");
    assert_eq!(validated["state"], "CHALLENGE_SUCCEEDED");
    assert_eq!(validated["userId"], "cu-8");
    assert_eq!(validated["verificationMethod"], "PASSKEY");
}

#[tokio::test]
async fn usernameless_sign_in_refuses_another_tenant_and_a_reused_challenge() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let token = token_for(&app, "cu-9", "enroll", json!({})).await;
    assert_eq!(sign_up(&app, &mut key, &token).await.0, StatusCode::OK);
    let (status, body) = post(
        &app,
        "/challenge",
        As::Tenant("someone-else"),
        json!({ "action": "signIn" }),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthorized"))
    );
    let (status, _) = post(
        &app,
        "/challenge",
        As::Tenant(TENANT),
        json!({ "action": "sign in!" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, challenge) = post(
        &app,
        "/challenge",
        As::Tenant(TENANT),
        json!({ "action": "signIn" }),
    )
    .await;
    let (_, options) = post(
        &app,
        "/user-authenticators/passkey/authentication-options",
        As::Tenant(TENANT),
        json!({ "challengeId": challenge["challengeId"] }),
    )
    .await;
    let assertion = key
        .get(&json!({ "publicKey": options["options"] }))
        .expect("answers");
    let body =
        json!({ "authenticationCredential": assertion, "challengeId": options["challengeId"] });
    assert_eq!(
        post(
            &app,
            "/verify/passkey",
            As::Tenant("someone-else"),
            body.clone()
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, "/verify/passkey", As::Tenant(TENANT), body.clone())
            .await
            .0,
        StatusCode::OK
    );
    let (status, again) = post(&app, "/verify/passkey", As::Tenant(TENANT), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    // A credential nobody registered here.
    let mut stranger = authenticator(&app);
    let (_, challenge) = post(
        &app,
        "/challenge",
        As::Tenant(TENANT),
        json!({ "action": "signIn" }),
    )
    .await;
    let (_, options) = post(
        &app,
        "/user-authenticators/passkey/authentication-options",
        As::Tenant(TENANT),
        json!({ "challengeId": challenge["challengeId"] }),
    )
    .await;
    let mut foreign =
        SoftAuthenticator::new(&stranger.origin.clone(), VIRTUAL_AUTHENTICATOR, false);
    let _ = stranger.create(&json!({ "publicKey": { "rp": { "id": "localhost" }, "challenge": "AAAA", "user": { "id": "AAAA" } } }));
    let _ = foreign.create(&json!({ "publicKey": { "rp": { "id": "localhost" }, "challenge": "AAAA", "user": { "id": "AAAA" } } }));
    let assertion = foreign
        .get(&json!({ "publicKey": options["options"] }))
        .expect("answers");
    let (status, body) = post(
        &app,
        "/verify/passkey",
        As::Tenant(TENANT),
        json!({ "authenticationCredential": assertion, "challengeId": options["challengeId"] }),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_credential"))
    );
}

#[tokio::test]
async fn passkeys_work_across_the_client_api_and_the_prebuilt_ui() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let token = token_for(&app, "cu-10", "enroll", json!({})).await;
    assert_eq!(sign_up(&app, &mut key, &token).await.0, StatusCode::OK);
    // The pre-built UI challenges with the passkey the SDK registered.
    let tracked = app
        .track(
            "cu-10",
            "manage",
            json!({ "redirectUrl": "https://app.example/account" }),
        )
        .await;
    let page = app.open(text(&tracked["url"]).as_str()).await;
    let assertion = key
        .get(&page_options(&page.html))
        .expect("the UI offers the SDK's passkey");
    let response = app
        .client
        .post(format!("{}/ui/challenge/passkey", app.base))
        .form(&[
            ("s", page.s().as_str()),
            ("credential", &assertion.to_string()),
        ])
        .send()
        .await
        .expect("POST");
    let done = app.follow(response).await;
    assert!(
        done.url.starts_with("https://app.example/account?token="),
        "{}",
        done.url
    );
    // And the SDK's signIn with a token verifies with it too.
    let signin = token_for(&app, "cu-10", "signIn", json!({})).await;
    let (status, options) = post(
        &app,
        "/user-authenticators/passkey/authentication-options",
        As::Token(&signin),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(
        options["options"]["allowCredentials"][0]["id"],
        json!(key.credential_ids()[0])
    );
    let assertion = key
        .get(&json!({ "publicKey": options["options"] }))
        .expect("answers");
    let (status, verified) = post(
        &app,
        "/verify/passkey",
        As::Token(&signin),
        json!({ "authenticationCredential": assertion, "challengeId": options["challengeId"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(verified["userId"], "cu-10");
    let validated = app
        .validate(
            json!({ "token": verified["accessToken"], "userId": "cu-10", "action": "signIn" }),
        )
        .await;
    assert_eq!(validated["isValid"], true);
    // A challenge id is answered once.
    let (status, _) = post(
        &app,
        "/verify/passkey",
        As::Token(&signin),
        json!({ "authenticationCredential": assertion, "challengeId": options["challengeId"] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn is_available_on_device_finds_registered_credentials() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let token = token_for(&app, "cu-11", "enroll", json!({})).await;
    assert_eq!(sign_up(&app, &mut key, &token).await.0, StatusCode::OK);
    let id = key.credential_ids()[0].clone();
    let path = format!("/user-authenticators/passkey?credentialIds=unknown,{id}");
    let (status, found) = client(&app, reqwest::Method::GET, &path, As::Tenant(TENANT), None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["credentialId"], json!(id));
    let (status, _) = client(
        &app,
        reqwest::Method::GET,
        "/user-authenticators/passkey?credentialIds=unknown",
        As::Tenant(TENANT),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_client_api_answers_cross_origin_requests() {
    let app = spawn().await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.api("/client/verify/passkey"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("OPTIONS");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header(&preflight, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    let allowed = header(&preflight, "access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    let refused = app
        .client
        .post(app.api("/client/user-authenticators/totp"))
        .header("origin", "https://shop.example")
        .header("authorization", "Bearer garbage")
        .send()
        .await
        .expect("POST");
    assert_eq!(
        header(&refused, "access-control-allow-origin").as_deref(),
        Some("*"),
        "errors are readable too"
    );
    for method in [reqwest::Method::OPTIONS, reqwest::Method::GET] {
        let server_api = app
            .client
            .request(method, app.api("/users/cu-12"))
            .header("origin", "https://shop.example")
            .basic_auth(common::SECRET, Some(""))
            .send()
            .await
            .expect("request");
        assert_eq!(
            header(&server_api, "access-control-allow-origin"),
            None,
            "the Server API stays same-origin"
        );
    }
    let (status, body) = client(
        &app,
        reqwest::Method::POST,
        "/no-such-route",
        As::Tenant(TENANT),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
}

async fn put_fault(app: &TestApp, fault: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .put(format!("{}/_faults", app.base))
        .json(&fault)
        .send()
        .await
        .expect("faults");
    (response.status(), response.json().await.expect("JSON"))
}

#[tokio::test]
async fn client_api_calls_are_counted_and_take_faults_by_route() {
    let app = spawn().await;
    let token = token_for(&app, "cu-20", "enroll", json!({})).await;
    let (status, _) = put_fault(
        &app,
        json!({ "route": "POST /client/user-authenticators/totp", "status": 503, "times": 1 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&token),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["errorCode"], "internal_error");
    // `times` ran out: the next call is answered.
    let (status, enrolled) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&token),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enrolled}");
    // The wildcard reaches the Client API too, and a route's own fault wins over it.
    put_fault(&app, json!({ "route": "*", "status": 429 })).await;
    put_fault(
        &app,
        json!({ "route": "POST /client/verify/totp", "status": 500 }),
    )
    .await;
    let (status, _) = post(
        &app,
        "/verify/totp",
        As::Token(&token),
        json!({ "verificationCode": "123456" }),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, body) = client(
        &app,
        reqwest::Method::GET,
        "/user-authenticators",
        As::Token(&token),
        None,
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (StatusCode::TOO_MANY_REQUESTS, json!("too_many_requests"))
    );
    let cleared = app
        .client
        .delete(format!("{}/_faults", app.base))
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.status(), StatusCode::OK);

    let (status, refused) = put_fault(
        &app,
        json!({ "route": "/client/verify/totp", "status": 500 }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text(&refused["errorDescription"]).contains("POST /client/verify/totp"));

    // An unknown Client API path is no route and counts for none.
    let (status, _) = post(&app, "/no/such/route", As::Token(&token), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let stats: Value = app
        .client
        .get(format!("{}/_test/stats", app.base))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON");
    let routes = &stats["routes"];
    assert_eq!(routes["track"], 1, "{stats}");
    assert_eq!(
        routes["POST /client/user-authenticators/totp"], 2,
        "{stats}"
    );
    assert_eq!(routes["POST /client/verify/totp"], 1, "{stats}");
    assert_eq!(routes["GET /client/user-authenticators"], 1, "{stats}");
    assert_eq!(stats["total"], 5, "{stats}");
}

#[tokio::test]
async fn an_authenticator_app_enrollment_takes_five_wrong_codes_and_one_right_one() {
    let app = spawn().await;
    let token = token_for(&app, "cu-21", "enroll", json!({})).await;
    let (_, enrolled) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&token),
        json!({}),
    )
    .await;
    let secret = text(&enrolled["secret"]);
    let now = authsignal_sandbox::Clock::now(app.clock.as_ref()).unix_timestamp();
    let near: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| totp(&secret, *t))
        .collect();
    let wrong = (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .expect("a wrong code");
    let mut reasons = Vec::new();
    for _ in 0..5 {
        let (status, answer) = post(
            &app,
            "/verify/totp",
            As::Token(&token),
            json!({ "verificationCode": wrong }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["isVerified"], false);
        reasons.push(text(&answer["failureReason"]));
    }
    assert_eq!(
        reasons,
        [
            "CODE_INVALID_OR_EXPIRED",
            "CODE_INVALID_OR_EXPIRED",
            "CODE_INVALID_OR_EXPIRED",
            "CODE_INVALID_OR_EXPIRED",
            "MAX_ATTEMPTS_EXCEEDED"
        ]
    );
    let (_, right) = post(
        &app,
        "/verify/totp",
        As::Token(&token),
        json!({ "verificationCode": totp(&secret, now) }),
    )
    .await;
    assert_eq!(right["isVerified"], false, "{right}");
    assert_eq!(right["failureReason"], "MAX_ATTEMPTS_EXCEEDED");
    assert_eq!(app.get("/users/cu-21/authenticators").await.1, json!([]));

    // Parallel right answers on another action: one enrollment, one verified answer.
    let token = token_for(&app, "cu-22", "enroll", json!({})).await;
    let (_, enrolled) = post(
        &app,
        "/user-authenticators/totp",
        As::Token(&token),
        json!({}),
    )
    .await;
    let code = totp(&text(&enrolled["secret"]), now);
    let answers = futures_util::future::join_all((0..8).map(|_| {
        post(
            &app,
            "/verify/totp",
            As::Token(&token),
            json!({ "verificationCode": code }),
        )
    }))
    .await;
    assert!(
        answers.iter().all(|(status, _)| *status == StatusCode::OK),
        "{answers:?}"
    );
    let verified: Vec<&Value> = answers
        .iter()
        .map(|(_, a)| a)
        .filter(|a| a["isVerified"] == true)
        .collect();
    assert_eq!(verified.len(), 1, "{answers:?}");
    assert!(verified[0]["userAuthenticator"].is_object());
    let listed = app.get("/users/cu-22/authenticators").await.1;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}
