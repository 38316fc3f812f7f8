//! Passkeys in the pre-built UI, driven over HTTP with a software authenticator in place
//! of the browser: registration, the challenge, what the API reports, the binding rule,
//! refusals, and a restart.

use crate::common;

use std::sync::Arc;

use common::soft_authenticator::{page_options, SoftAuthenticator};
use common::{Page, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

const GOOGLE_PASSWORD_MANAGER: &str = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";
const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async fn spawn() -> TestApp {
    TestApp::spawn_on_localhost(Arc::new(TempDir::new().expect("temp dir"))).await
}

/// `http://localhost:PORT`, the origin the browser would report.
fn origin(app: &TestApp) -> String {
    app.base.trim_end_matches("/sandbox").to_owned()
}

fn authenticator(app: &TestApp) -> SoftAuthenticator {
    SoftAuthenticator::new(&origin(app), GOOGLE_PASSWORD_MANAGER, true)
}

/// Posts a passkey form as `passkey.js` does, from Chrome on Windows.
async fn post_ceremony(app: &TestApp, path: &str, s: &str, credential: &Value) -> Page {
    let response = app
        .client
        .post(format!("{}/ui{path}", app.base))
        .header("user-agent", CHROME_ON_WINDOWS)
        .form(&[
            ("s", s),
            ("credential", &credential.to_string()),
            ("authenticatorAttachment", "platform"),
        ])
        .send()
        .await
        .expect("POST");
    app.follow(response).await
}

/// A manage visit tracked with a device id, opened in the UI.
async fn open_manage(app: &TestApp, user_id: &str) -> (Value, Page) {
    let tracked = app
        .track(
            user_id,
            "manage",
            json!({
                "redirectUrl": "https://app.example/account",
                "redirectToSettings": true,
                "deviceId": "device-1",
                "email": "ada@example.com",
            }),
        )
        .await;
    let page = app.open(tracked["url"].as_str().expect("url")).await;
    (tracked, page)
}

/// Registers a passkey from the passkey enrollment screen; returns the page after it.
async fn register(app: &TestApp, key: &mut SoftAuthenticator, s: &str) -> Page {
    let form = app.screen("/enroll/passkey", s).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    assert!(form.has(">Create passkey</button>") && form.has("/ui/passkey.js"));
    let created = key.create(&page_options(&form.html));
    post_ceremony(app, "/enroll/passkey", s, &created).await
}

async fn authenticators(app: &TestApp, user_id: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/users/{user_id}/authenticators")).await;
    assert_eq!(status, StatusCode::OK);
    body.as_array().expect("array").clone()
}

#[tokio::test]
async fn register_a_passkey_and_the_api_reports_its_webauthn_credential() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let (tracked, choice) = open_manage(&app, "u1").await;
    assert!(choice.has(">Passkey</button>"), "{}", choice.html);
    let s = choice.s();

    let form = app.screen("/enroll/passkey", &s).await;
    let options = page_options(&form.html);
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(options["publicKey"]["user"]["name"], "ada@example.com");
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let settings = post_ceremony(&app, "/enroll/passkey", &s, &key.create(&options)).await;
    assert!(settings.has("Authenticator added."), "{}", settings.html);
    assert!(settings.has("Google Password Manager"));

    let list = authenticators(&app, "u1").await;
    assert_eq!(list.len(), 1);
    let passkey = &list[0];
    assert_eq!(passkey["verificationMethod"], "PASSKEY");
    assert_eq!(passkey["username"], "ada@example.com");
    let credential = &passkey["webauthnCredential"];
    assert_eq!(credential["credentialId"], key.credential_ids()[0]);
    assert_eq!(credential["deviceId"], "device-1");
    assert_eq!(credential["name"], "Chrome on Windows");
    assert_eq!(credential["aaguid"], GOOGLE_PASSWORD_MANAGER);
    assert_eq!(
        credential["aaguidMapping"]["name"],
        "Google Password Manager"
    );
    for icon in ["svgIconLight", "svgIconDark"] {
        assert!(credential["aaguidMapping"][icon]
            .as_str()
            .is_some_and(|i| i.starts_with("data:image/svg+xml;base64,")));
    }
    assert_eq!(credential["credentialBackedUp"], true);
    assert_eq!(credential["credentialDeviceType"], "multiDevice");
    assert_eq!(credential["authenticatorAttachment"], "platform");
    let ua = &credential["parsedUserAgent"];
    assert_eq!(ua["ua"], CHROME_ON_WINDOWS);
    assert_eq!(ua["browser"]["name"], "Chrome");
    assert_eq!(ua["browser"]["major"], "131");
    assert_eq!(ua["os"]["name"], "Windows");
    assert_eq!(ua["engine"]["name"], "Blink");
    assert_eq!(ua["cpu"]["architecture"], "amd64");
    // The key itself never leaves the sandbox.
    assert!(!list[0].to_string().contains("publicKey"));

    let (status, user) = app.get("/users/u1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["enrolledVerificationMethods"], json!(["PASSKEY"]));
    let done = app.submit("/done", &[("s", &s)]).await;
    let result = app
        .validate(json!({ "token": done.returned_token(), "userId": "u1", "action": "manage" }))
        .await;
    assert_eq!(result["isValid"], true);
    assert_eq!(result["verificationMethod"], "PASSKEY");
    assert!(tracked["idempotencyKey"].is_string());
}

#[tokio::test]
async fn without_a_device_id_from_track_the_credential_still_reports_one() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let tracked = app
        .track(
            "u1",
            "manage",
            json!({ "redirectUrl": "https://app.example/account", "redirectToSettings": true }),
        )
        .await;
    let choice = app.open(tracked["url"].as_str().expect("url")).await;
    register(&app, &mut key, &choice.s()).await;
    let device_id = authenticators(&app, "u1").await[0]["webauthnCredential"]["deviceId"].clone();
    assert!(
        device_id.as_str().is_some_and(|id| id.len() == 36),
        "{device_id}"
    );
    assert_eq!(
        authenticators(&app, "u1").await[0]["webauthnCredential"]["deviceId"],
        device_id,
        "the same on every read"
    );
}

#[tokio::test]
async fn a_single_device_key_is_reported_as_not_backed_up() {
    let app = spawn().await;
    let mut key =
        SoftAuthenticator::new(&origin(&app), "01020304-0506-0708-0102-030405060708", false);
    let (_, choice) = open_manage(&app, "u1").await;
    register(&app, &mut key, &choice.s()).await;
    let credential = authenticators(&app, "u1").await[0]["webauthnCredential"].clone();
    assert_eq!(credential["credentialBackedUp"], false);
    assert_eq!(credential["credentialDeviceType"], "singleDevice");
    assert_eq!(credential["aaguidMapping"]["name"], "Virtual authenticator");
}

#[tokio::test]
async fn the_passkey_challenge_passes_and_moves_last_verified_at() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let (_, choice) = open_manage(&app, "u1").await;
    register(&app, &mut key, &choice.s()).await;
    let enrolled = authenticators(&app, "u1").await[0].clone();

    for round in 1..=2 {
        app.advance(120);
        let (_, challenge) = open_manage(&app, "u1").await;
        assert!(
            challenge.has("<h1>Verify it's you</h1>") && challenge.has(">Use passkey</button>")
        );
        let options = page_options(&challenge.html);
        assert_eq!(
            options["publicKey"]["allowCredentials"][0]["id"],
            key.credential_ids()[0]
        );
        let assertion = key.get(&options).expect("this key is allowed");
        let settings = post_ceremony(&app, "/challenge/passkey", &challenge.s(), &assertion).await;
        assert!(
            settings.has("<h1>Your authenticators</h1>"),
            "round {round}: {}",
            settings.html
        );

        let after = authenticators(&app, "u1").await[0].clone();
        assert_ne!(
            after["lastVerifiedAt"], enrolled["lastVerifiedAt"],
            "round {round}"
        );
        assert_eq!(after["createdAt"], enrolled["createdAt"]);
        let done = app.submit("/done", &[("s", &challenge.s())]).await;
        let result = app
            .validate(json!({ "token": done.returned_token(), "userId": "u1", "action": "manage" }))
            .await;
        assert_eq!(result["verificationMethod"], "PASSKEY");
    }
}

#[tokio::test]
async fn a_passkey_challenge_unlocks_adding_another_method() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let (_, choice) = open_manage(&app, "u1").await;
    register(&app, &mut key, &choice.s()).await;

    let (_, challenge) = open_manage(&app, "u1").await;
    let s = challenge.s();
    // Binding: no adding before the challenge.
    let refused = app.screen("/enroll/email", &s).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.has("<h1>Verify it's you again</h1>"));

    let assertion = key.get(&page_options(&challenge.html)).expect("allowed");
    post_ceremony(&app, "/challenge/passkey", &s, &assertion).await;
    let verify = app
        .submit("/enroll/email", &[("s", &s), ("email", "ada@example.com")])
        .await;
    assert!(verify.has("Check your email"), "{}", verify.html);
    let code = app.latest_code("ada@example.com").await;
    let settings = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert!(settings.has("Authenticator added."), "{}", settings.html);
    let methods: Vec<Value> = authenticators(&app, "u1")
        .await
        .iter()
        .map(|a| a["verificationMethod"].clone())
        .collect();
    assert_eq!(methods, vec![json!("PASSKEY"), json!("EMAIL_OTP")]);

    // And the window closes 10 minutes after the passkey challenge, as for any method.
    app.advance(11 * 60);
    let refused = app.screen("/enroll/passkey", &s).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn adding_a_passkey_to_an_enrolled_account_needs_a_challenge_first() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    app.enroll_email("u1", "ada@example.com").await;
    let (_, challenge) = open_manage(&app, "u1").await;
    let s = challenge.s();
    assert!(
        challenge.has(">Verify</button>"),
        "the email challenge comes first"
    );

    let refused = app.screen("/enroll/passkey", &s).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Nor can a registration be pushed through without the page.
    let forged = post_ceremony(&app, "/enroll/passkey", &s, &json!({})).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let code = app.latest_code("ada@example.com").await;
    app.submit("/challenge", &[("s", &s), ("code", &code)])
        .await;
    let settings = register(&app, &mut key, &s).await;
    assert!(settings.has("Authenticator added."), "{}", settings.html);
    assert_eq!(authenticators(&app, "u1").await.len(), 2);
    // The challenge now offers the passkey as another way.
    let (_, next) = open_manage(&app, "u1").await;
    assert!(next.has(">Passkey</button>"), "{}", next.html);
}

#[tokio::test]
async fn a_bad_or_replayed_assertion_verifies_nothing() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let (_, choice) = open_manage(&app, "u1").await;
    register(&app, &mut key, &choice.s()).await;
    let before = authenticators(&app, "u1").await[0]["lastVerifiedAt"].clone();
    app.advance(60);

    let (_, challenge) = open_manage(&app, "u1").await;
    let s = challenge.s();
    let mut assertion = key.get(&page_options(&challenge.html)).expect("allowed");
    let genuine = assertion.clone();
    assertion["response"]["signature"] = json!("MEUCIQDtampered");
    let refused = post_ceremony(&app, "/challenge/passkey", &s, &assertion).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.has("That passkey couldn't be verified")
            || refused.has("That passkey couldn&#39;t be verified"),
        "{}",
        refused.html
    );
    // The refusal used the ceremony up; the page started a new one, which the old
    // (genuine) answer doesn't match.
    let replayed = post_ceremony(&app, "/challenge/passkey", &s, &genuine).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let settings = app.screen("/settings", &s).await;
    assert!(
        settings.has(">Use passkey</button>"),
        "still challenged: {}",
        settings.html
    );
    assert_eq!(
        authenticators(&app, "u1").await[0]["lastVerifiedAt"],
        before
    );

    // A browser without this user's credential has nothing to answer with.
    let mut other_device = authenticator(&app);
    let fresh = app.screen("/challenge", &s).await;
    assert!(other_device.get(&page_options(&fresh.html)).is_none());
}

#[tokio::test]
async fn without_javascript_the_passkey_pages_say_what_is_needed() {
    let app = spawn().await;
    let (_, choice) = open_manage(&app, "u1").await;
    let s = choice.s();
    let form = app.screen("/enroll/passkey", &s).await;
    assert!(form.has("<noscript>"));
    let empty = app
        .submit("/enroll/passkey", &[("s", &s), ("credential", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.has("Passkeys need JavaScript"));
    assert!(authenticators(&app, "u1").await.is_empty());
}

#[tokio::test]
async fn an_ip_address_public_url_explains_why_passkeys_are_off() {
    let app = TestApp::spawn().await;
    let tracked = app.track_manage("u1").await;
    let choice = app.open(tracked["url"].as_str().expect("url")).await;
    let page = app.screen("/enroll/passkey", &choice.s()).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.has("not an IP address"), "{}", page.html);
    assert!(page.has("Choose a different method"));
}

#[tokio::test]
async fn passkeys_survive_a_restart() {
    let db_dir = Arc::new(TempDir::new().expect("temp dir"));
    let first = TestApp::spawn_on_localhost(db_dir.clone()).await;
    let mut key = authenticator(&first);
    let (_, choice) = open_manage(&first, "u1").await;
    register(&first, &mut key, &choice.s()).await;
    drop(first);

    // Same database, new process (and port): the relying party id is still localhost.
    let second = TestApp::spawn_on_localhost(db_dir).await;
    key.origin = origin(&second);
    let (_, challenge) = open_manage(&second, "u1").await;
    let assertion = key.get(&page_options(&challenge.html)).expect("allowed");
    let settings = post_ceremony(&second, "/challenge/passkey", &challenge.s(), &assertion).await;
    assert!(
        settings.has("<h1>Your authenticators</h1>"),
        "{}",
        settings.html
    );
}

#[tokio::test]
async fn the_script_is_served_by_the_sandbox() {
    let app = spawn().await;
    let response = app
        .client
        .get(format!("{}/ui/passkey.js", app.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/javascript")));
    let body = response.text().await.expect("body");
    assert!(body.contains("navigator.credentials.create") && body.contains("NotAllowedError"));
}

/// The assertion with one bit of its signature flipped: well-formed, but it can't verify.
fn forged(assertion: &Value) -> Value {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let signature = assertion["response"]["signature"]
        .as_str()
        .expect("signature");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    let mut forged = assertion.clone();
    forged["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(bytes));
    forged
}

#[tokio::test]
async fn five_failed_passkey_assertions_lock_the_challenge_even_for_a_genuine_one() {
    let app = spawn().await;
    let mut key = authenticator(&app);
    let (_, choice) = open_manage(&app, "u1").await;
    register(&app, &mut key, &choice.s()).await;
    let before = authenticators(&app, "u1").await[0]["lastVerifiedAt"].clone();
    app.advance(60);

    let (tracked, mut page) = open_manage(&app, "u1").await;
    let s = page.s();
    for left in [4, 3, 2, 1] {
        let forged = forged(&key.get(&page_options(&page.html)).expect("allowed"));
        page = post_ceremony(&app, "/challenge/passkey", &s, &forged).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let plural = if left == 1 { "attempt" } else { "attempts" };
        assert!(
            page.has(&format!("You have {left} {plural} left")),
            "{}",
            page.html
        );
    }
    let genuine = key.get(&page_options(&page.html)).expect("allowed");
    let fifth = post_ceremony(&app, "/challenge/passkey", &s, &forged(&genuine)).await;
    // The genuine answer to the ceremony the fifth forgery used up is refused as well.
    let sixth = post_ceremony(&app, "/challenge/passkey", &s, &genuine).await;
    for locked in [&fifth, &sixth, &app.screen("/challenge", &s).await] {
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.html
        );
        assert!(
            locked.has("Too many failed passkey attempts"),
            "{}",
            locked.html
        );
        assert!(locked.has("Go back to the app and start again"));
        assert!(!locked.has(">Use passkey</button>"));
    }
    assert_eq!(
        authenticators(&app, "u1").await[0]["lastVerifiedAt"],
        before
    );
    let validated = app.validate(json!({ "token": tracked["token"] })).await;
    assert_eq!(validated["isValid"], false, "{validated}");

    // A new visit from the app is a new challenge.
    let (_, again) = open_manage(&app, "u1").await;
    let assertion = key.get(&page_options(&again.html)).expect("allowed");
    let settings = post_ceremony(&app, "/challenge/passkey", &again.s(), &assertion).await;
    assert!(
        settings.has("<h1>Your authenticators</h1>"),
        "{}",
        settings.html
    );
}
