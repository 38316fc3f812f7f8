//! Smaller differences from Authsignal, fixed so an SDK reads what Authsignal would send:
//! update user's answer and phone numbers, timestamps' fraction digits, enroll verified
//! with an authenticator app, and track's email / phone number skipping the UI's address
//! step.

use crate::common;

use authsignal_sandbox::Clock;
use common::{totp, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::Duration;

const APP_RETURN: &str = "https://app.example/back";
/// RFC 6238's SHA1 secret, "12345678901234567890", in base32.
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[tokio::test]
async fn update_user_answers_with_the_verified_flags_and_keeps_a_phone_number_as_given() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .call(
            Method::PATCH,
            "/users/u1",
            Some(json!({ "email": "jane@example.com", "emailVerified": true, "phoneNumber": "9876543210" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({ "userId": "u1", "email": "jane@example.com", "emailVerified": true, "phoneNumber": "9876543210", "phoneNumberVerified": false })
    );
    let (_, body) = app
        .call(
            Method::PATCH,
            "/users/u1",
            Some(json!({ "phoneNumberVerified": true })),
        )
        .await;
    assert_eq!(
        (&body["phoneNumberVerified"], &body["emailVerified"]),
        (&json!(true), &json!(true))
    );
    let (_, user) = app.get("/users/u1").await;
    assert_eq!(user["phoneNumber"], "9876543210");
    assert_eq!(
        (&user["emailVerified"], &user["phoneNumberVerified"]),
        (&json!(true), &json!(true))
    );
}

/// Every string field named like a timestamp, anywhere in `value`.
fn timestamps(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                match field.as_str() {
                    Some(text) if name.ends_with("At") || name == "now" => {
                        found.push(text.to_owned())
                    }
                    _ => timestamps(field, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| timestamps(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_timestamp_has_three_fraction_digits() {
    let app = TestApp::spawn().await;
    // On a whole second, where RFC 3339 formatting would drop the fraction.
    let millis = i64::from(app.clock.now().millisecond());
    app.clock.advance(Duration::milliseconds(1000 - millis));
    let enrolled = app.enroll_email("u1", "jane@example.com").await;
    let tracked = app
        .track(
            "u1",
            "signIn",
            json!({ "idempotencyKey": "k1", "redirectUrl": APP_RETURN }),
        )
        .await;
    app.open(tracked["url"].as_str().expect("url")).await;
    let (_, action) = app.get("/users/u1/actions/signIn/k1").await;
    let (_, list) = app.get("/users/u1/authenticators").await;
    let validated = app.validate(json!({ "token": tracked["token"] })).await;
    let outbox = Value::Array(app.outbox("jane@example.com").await);
    let clock: Value = app
        .client
        .get(format!("{}/_test/clock", app.base))
        .send()
        .await
        .expect("clock")
        .json()
        .await
        .expect("JSON");
    let mut found = Vec::new();
    for body in [&enrolled, &action, &list, &validated, &outbox, &clock] {
        timestamps(body, &mut found);
    }
    assert!(found.len() >= 8, "{found:?}");
    for at in &found {
        let fraction = at.rsplit('.').next().unwrap_or_default();
        assert!(
            fraction.len() == 4 && fraction.ends_with('Z') && at.ends_with(".000Z"),
            "{at}"
        );
    }
}

#[tokio::test]
async fn enroll_verified_takes_an_authenticator_app_by_its_otp_uri() {
    let app = TestApp::spawn().await;
    let uri = format!("otpauth://totp/Shop:jane%40example.com?secret={SECRET}&issuer=Shop&algorithm=SHA1&digits=6&period=30");
    let (status, body) = app
        .post(
            "/users/u1/authenticators",
            json!({ "verificationMethod": "AUTHENTICATOR_APP", "otpUri": uri }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["authenticator"]["verificationMethod"],
        "AUTHENTICATOR_APP"
    );
    assert!(
        !body.to_string().contains(SECRET),
        "the secret stays inside"
    );

    // The app the user already has answers the challenge.
    let tracked = app
        .track("u1", "signIn", json!({ "redirectUrl": APP_RETURN }))
        .await;
    assert_eq!(tracked["state"], "CHALLENGE_REQUIRED");
    let challenge = app.open(tracked["url"].as_str().expect("url")).await;
    assert!(
        challenge.has("code from your authenticator app"),
        "{}",
        challenge.html
    );
    let code = totp(SECRET, app.clock.now().unix_timestamp());
    let back = app
        .submit("/challenge", &[("s", &challenge.s()), ("code", &code)])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    let validated = app
        .validate(json!({ "token": back.returned_token() }))
        .await;
    assert_eq!(validated["verificationMethod"], "AUTHENTICATOR_APP");

    for bad in [
        json!({ "verificationMethod": "AUTHENTICATOR_APP" }),
        json!({ "verificationMethod": "AUTHENTICATOR_APP", "otpUri": "https://example.com" }),
        json!({ "verificationMethod": "AUTHENTICATOR_APP", "otpUri": format!("otpauth://totp/Shop?secret={SECRET}&digits=8") }),
    ] {
        let (status, error) = app.post("/users/u1/authenticators", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            error["errorDescription"]
                .as_str()
                .is_some_and(|d| d.contains("otpUri")),
            "{error}"
        );
    }
}

#[tokio::test]
async fn track_email_skips_the_address_step() {
    let app = TestApp::spawn().await;
    let tracked = app
        .track(
            "u1",
            "enroll",
            json!({ "redirectUrl": APP_RETURN, "email": "jane@example.com" }),
        )
        .await;
    let choice = app.open(tracked["url"].as_str().expect("url")).await;
    let s = choice.s();
    // The choice itself sends the code; the other methods still start with their form.
    let email_action = format!(
        r#"<form method="post" action="{}/ui/enroll/email">"#,
        app.base
    );
    assert!(choice.has(&email_action), "{}", choice.html);
    assert!(choice.has(&format!(
        r#"<form method="get" action="{}/ui/enroll/sms">"#,
        app.base
    )));
    let verify = app.submit("/enroll/email", &[("s", &s)]).await;
    assert!(verify.has("Check your email"), "{}", verify.html);
    assert!(verify.has("jane@example.com"));
    assert!(!verify.has("Use a different email address"));
    assert!(!verify.has(r#"<label for="email">"#));
    // The address form itself is never shown for it.
    let form = app.screen("/enroll/email", &s).await;
    assert!(form.has(&email_action) && !form.has("Email address"));

    let code = app.latest_code("jane@example.com").await;
    let back = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let (_, list) = app.get("/users/u1/authenticators").await;
    assert_eq!(list[0]["email"], "jane@example.com");
}

#[tokio::test]
async fn track_phone_number_skips_the_address_step() {
    let app = TestApp::spawn().await;
    let tracked = app
        .track(
            "u1",
            "enroll",
            json!({ "redirectUrl": APP_RETURN, "phoneNumber": "+64 21 555 0123" }),
        )
        .await;
    let s = app.open(tracked["url"].as_str().expect("url")).await.s();
    let verify = app.submit("/enroll/sms", &[("s", &s)]).await;
    assert!(verify.has("Check your phone"), "{}", verify.html);
    assert!(!verify.has("Use a different phone number"));
    let code = app.latest_code("+64215550123").await;
    let back = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);

    // A number the UI can't text is offered in the form to correct instead.
    let tracked = app
        .track(
            "u2",
            "enroll",
            json!({ "redirectUrl": APP_RETURN, "phoneNumber": "555-0123" }),
        )
        .await;
    let s = app.open(tracked["url"].as_str().expect("url")).await.s();
    let form = app.screen("/enroll/sms", &s).await;
    assert!(form.has(r#"value="555-0123""#), "{}", form.html);
}
