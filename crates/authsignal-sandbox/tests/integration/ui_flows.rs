//! The pre-built UI driven by plain HTTP form posts, as a browser without JavaScript
//! would: enrollment, codes, TOTP, challenge, binding window, settings, expiry.

use crate::common;

use common::{secret_key, totp, Page, TestApp};
use reqwest::StatusCode;
use serde_json::json;

const APP_RETURN: &str = "https://app.example/account?tab=security";

/// Opens the track URL for `user_id` (manage, with settings).
async fn open_manage(app: &TestApp, user_id: &str) -> Page {
    let tracked = app.track_manage(user_id).await;
    app.open(tracked["url"].as_str().expect("url")).await
}

/// Enrolls email through the UI for a new user; returns the settings page.
async fn enroll_email_in_ui(app: &TestApp, user_id: &str, email: &str) -> Page {
    let choice = open_manage(app, user_id).await;
    assert!(choice.has("Set up an authenticator"));
    let s = choice.s();
    let form = app.screen("/enroll/email", &s).await;
    assert!(form.has(r#"<label for="email">Email address</label>"#));
    let verify = app
        .submit("/enroll/email", &[("s", &s), ("email", email)])
        .await;
    assert!(verify.has("Check your email"), "{}", verify.html);
    let code = app.latest_code(email).await;
    app.submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await
}

#[tokio::test]
async fn enroll_email_with_the_code_from_the_outbox_then_done_returns_with_a_token() {
    let app = TestApp::spawn().await;
    let tracked = app.track_manage("u1").await;
    let choice = app.open(tracked["url"].as_str().expect("url")).await;
    assert_eq!(choice.status, StatusCode::OK);
    for name in [
        ">Email</button>",
        ">SMS</button>",
        ">Authenticator app</button>",
        ">Passkey</button>",
    ] {
        assert!(choice.has(name), "{name}");
    }
    // Every link and form is built from public_url (here nested under /sandbox).
    assert!(choice.has(&format!(r#"action="{}/ui/enroll/email""#, app.base)));

    let s = choice.s();
    let bad = app
        .submit("/enroll/email", &[("s", &s), ("email", "not an email")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("is not a valid email address"));

    app.submit("/enroll/email", &[("s", &s), ("email", "jane@example.com")])
        .await;
    let messages = app.outbox("jane@example.com").await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["channel"], "EMAIL");
    let code = messages[0]["code"].as_str().expect("code").to_owned();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));

    let settings = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert!(
        settings.has("<h1>Your authenticators</h1>"),
        "{}",
        settings.html
    );
    assert!(settings.has("Authenticator added."));
    assert!(settings.has("jane@example.com"));
    assert!(settings.has(">Add authenticator</button>") && settings.has(">Done</button>"));

    let back = app.submit("/done", &[("s", &s)]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(
        back.url
            .starts_with("https://app.example/account?tab=security&token="),
        "{}",
        back.url
    );
    let validated = app
        .validate(json!({ "token": back.returned_token(), "userId": "u1", "action": "manage" }))
        .await;
    assert_eq!(validated["isValid"], true);
    assert_eq!(validated["state"], "CHALLENGE_SUCCEEDED");
    assert_eq!(validated["verificationMethod"], "EMAIL_OTP");
    // The token track returned validates too, now that the action succeeded.
    assert_eq!(
        app.validate(json!({ "token": tracked["token"] })).await["isValid"],
        true
    );

    let (_, user) = app.get("/users/u1").await;
    assert_eq!(user["enrolledVerificationMethods"], json!(["EMAIL_OTP"]));
}

#[tokio::test]
async fn without_redirect_to_settings_success_returns_straight_to_the_app() {
    let app = TestApp::spawn().await;
    let tracked = app
        .track(
            "u1",
            "enroll",
            json!({ "redirectUrl": "https://app.example/done" }),
        )
        .await;
    let s = app.open(tracked["url"].as_str().expect("url")).await.s();
    app.submit(
        "/enroll/sms",
        &[("s", &s), ("phoneNumber", "+64 21 555 0123")],
    )
    .await;
    let messages = app.outbox("+64215550123").await;
    assert_eq!(messages[0]["channel"], "SMS");
    let back = app
        .submit(
            "/enroll/verify",
            &[
                ("s", &s),
                ("code", messages[0]["code"].as_str().expect("code")),
            ],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert!(
        back.url.starts_with("https://app.example/done?token="),
        "{}",
        back.url
    );
    let validated = app
        .validate(json!({ "token": back.returned_token() }))
        .await;
    assert_eq!(validated["verificationMethod"], "SMS");
}

#[tokio::test]
async fn five_wrong_codes_burn_the_code_and_a_new_one_is_needed() {
    let app = TestApp::spawn().await;
    let s = open_manage(&app, "u1").await.s();
    app.submit("/enroll/email", &[("s", &s), ("email", "jane@example.com")])
        .await;
    let code = app.latest_code("jane@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in [4, 3, 2, 1] {
        let page = app
            .submit("/enroll/verify", &[("s", &s), ("code", wrong)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let plural = if left == 1 { "attempt" } else { "attempts" };
        assert!(
            page.has(&format!("You have {left} {plural} left")),
            "{}",
            page.html
        );
    }
    let fifth = app
        .submit("/enroll/verify", &[("s", &s), ("code", wrong)])
        .await;
    assert!(fifth.has("Too many incorrect attempts"), "{}", fifth.html);
    assert!(fifth.has("send a new code"));
    let right_but_burnt = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert!(right_but_burnt.has("Too many incorrect attempts"));
    assert!(
        app.screen("/enroll/verify", &s)
            .await
            .has("Too many incorrect attempts"),
        "reloading says so too"
    );

    let resent = app.submit("/enroll/resend", &[("s", &s)]).await;
    assert!(resent.has("We sent you a new code."));
    let fresh = app.latest_code("jane@example.com").await;
    assert_eq!(app.outbox("jane@example.com").await.len(), 2);
    let settings = app
        .submit("/enroll/verify", &[("s", &s), ("code", &fresh)])
        .await;
    assert!(settings.has("Your authenticators"), "{}", settings.html);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = TestApp::spawn().await;
    let s = open_manage(&app, "u1").await.s();
    app.submit("/enroll/email", &[("s", &s), ("email", "jane@example.com")])
        .await;
    let code = app.latest_code("jane@example.com").await;
    app.advance(10 * 60);
    let page = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    assert!(page.has("This code has expired"), "{}", page.html);
}

#[tokio::test]
async fn authenticator_app_enrolls_with_a_computed_totp_and_refuses_replay() {
    let app = TestApp::spawn().await;
    let s = open_manage(&app, "u1").await.s();
    let setup = app.screen("/enroll/app", &s).await;
    assert!(setup.has("<svg"), "QR code");
    let secret = secret_key(&setup);
    assert_eq!(secret.len(), 32, "160-bit base32 secret");
    assert!(setup.has(&format!(
        "otpauth://totp/Authsignal%20Sandbox:u1?secret={secret}"
    )));
    assert_eq!(
        secret_key(&app.screen("/enroll/app", &s).await),
        secret,
        "reload keeps the secret"
    );

    let now = app.clock_now();
    let wrong = app
        .submit(
            "/enroll/app",
            &[("s", &s), ("code", &totp(&secret, now - 120))],
        )
        .await;
    // Either spelling of the apostrophe: the text a person reads is what counts.
    assert!(
        wrong.has("That code isn't right") || wrong.has("That code isn&#39;t right"),
        "{}",
        wrong.html
    );
    let code = totp(&secret, now);
    let settings = app
        .submit("/enroll/app", &[("s", &s), ("code", &code)])
        .await;
    assert!(settings.has("Authenticator app"), "{}", settings.html);

    // A new visit: challenged with the app; the code used to enroll can't be replayed.
    let tracked = app
        .track(
            "u1",
            "signIn",
            json!({ "redirectUrl": "https://app.example/back" }),
        )
        .await;
    let challenge = app.open(tracked["url"].as_str().expect("url")).await;
    assert!(challenge.has("Enter the 6-digit code from your authenticator app."));
    let s2 = challenge.s();
    let replay = app
        .submit("/challenge", &[("s", &s2), ("code", &code)])
        .await;
    assert!(replay.has("already been used"), "{}", replay.html);

    app.advance(30);
    let next_code = totp(&secret, app.clock_now());
    let back = app
        .submit("/challenge", &[("s", &s2), ("code", &next_code)])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let validated = app
        .validate(json!({ "token": back.returned_token(), "action": "signIn" }))
        .await;
    assert_eq!(
        (
            validated["isValid"].as_bool(),
            validated["verificationMethod"].as_str()
        ),
        (Some(true), Some("AUTHENTICATOR_APP"))
    );
    let again = app
        .submit("/challenge", &[("s", &s2), ("code", &next_code)])
        .await;
    assert!(again.has("already been used") || again.status == StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn challenge_then_add_a_method_within_the_window() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let challenge = open_manage(&app, "u1").await;
    assert!(
        challenge.has("<h1>Verify it's you</h1>"),
        "{}",
        challenge.html
    );
    assert!(challenge.has("ja•••@example.com"));
    let s = challenge.s();
    // Adding before the challenge is refused.
    assert_eq!(
        app.screen("/enroll", &s).await.status,
        StatusCode::FORBIDDEN
    );

    let code = app.latest_code("jane@example.com").await;
    let id = challenge_authenticator_id(&challenge);
    let settings = app
        .submit(
            "/challenge",
            &[("s", &s), ("authenticatorId", &id), ("code", &code)],
        )
        .await;
    assert!(settings.has("Your authenticators"), "{}", settings.html);

    app.advance(9 * 60);
    let choice = app.screen("/enroll", &s).await;
    assert!(choice.has("Add an authenticator"));
    assert!(!choice.has(">Email</button>"), "already enrolled");
    assert!(choice.has(">SMS</button>"));
    app.submit("/enroll/sms", &[("s", &s), ("phoneNumber", "+14155550123")])
        .await;
    let sms_code = app.latest_code("+14155550123").await;
    let settings = app
        .submit("/enroll/verify", &[("s", &s), ("code", &sms_code)])
        .await;
    assert!(
        settings.has("Authenticator added.") && settings.has("+14155550123"),
        "{}",
        settings.html
    );
}

fn challenge_authenticator_id(page: &Page) -> String {
    let marker = r#"name="authenticatorId" value=""#;
    let start = page
        .html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("authenticator id");
    let end = page.html[start..]
        .find('"')
        .map(|i| start + i)
        .unwrap_or(start);
    page.html[start..end].to_owned()
}

#[tokio::test]
async fn adding_after_the_window_needs_a_new_challenge() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let challenge = open_manage(&app, "u1").await;
    let s = challenge.s();
    let code = app.latest_code("jane@example.com").await;
    app.submit("/challenge", &[("s", &s), ("code", &code)])
        .await;

    app.advance(10 * 60 + 1);
    let refused = app.screen("/enroll", &s).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.has("<h1>Verify it's you again</h1>") && refused.has(">Verify again</a>"),
        "{}",
        refused.html
    );
    let refused_post = app
        .submit("/enroll/sms", &[("s", &s), ("phoneNumber", "+14155550123")])
        .await;
    assert_eq!(refused_post.status, StatusCode::FORBIDDEN);
    assert!(app.outbox("+14155550123").await.is_empty(), "nothing sent");

    // Verify again (a new code is sent), then adding works.
    let again = app.screen("/challenge", &s).await;
    let fresh = app.latest_code("jane@example.com").await;
    assert_ne!(fresh, "", "{}", again.html);
    let settings = app
        .submit("/challenge", &[("s", &s), ("code", &fresh)])
        .await;
    assert!(settings.has("Your authenticators"));
    assert_eq!(app.screen("/enroll", &s).await.status, StatusCode::OK);
}

#[tokio::test]
async fn add_scope_skips_the_challenge() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let tracked = app
        .track(
            "u1",
            "manage",
            json!({ "redirectUrl": APP_RETURN, "redirectToSettings": true, "scope": "add:authenticators update:authenticators remove:authenticators" }),
        )
        .await;
    let settings = app.open(tracked["url"].as_str().expect("url")).await;
    assert!(settings.has("Your authenticators"), "{}", settings.html);
    let s = settings.s();
    assert_eq!(app.screen("/enroll/sms", &s).await.status, StatusCode::OK);
    app.advance(60 * 20);
    assert_eq!(
        app.screen("/enroll/sms", &s).await.status,
        StatusCode::OK,
        "scope, not time, grants it"
    );
}

#[tokio::test]
async fn the_last_authenticator_cannot_be_removed_but_others_can() {
    let app = TestApp::spawn().await;
    let settings = enroll_email_in_ui(&app, "u1", "jane@example.com").await;
    let s = settings.s();
    assert!(
        settings.has("disabled aria-describedby=\"last-one\">Remove</button>"),
        "{}",
        settings.html
    );
    assert!(settings.has("This is your only authenticator, so it can't be removed"));
    let id = settings.authenticator_id("Email");
    let refused = app
        .submit("/settings/remove", &[("s", &s), ("authenticatorId", &id)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.has("This is your only authenticator"));
    assert_eq!(app.get("/users/u1").await.1["isEnrolled"], true);

    // With a second one, either can go, and set-default works.
    app.submit("/enroll/sms", &[("s", &s), ("phoneNumber", "+14155550123")])
        .await;
    let code = app.latest_code("+14155550123").await;
    let settings = app
        .submit("/enroll/verify", &[("s", &s), ("code", &code)])
        .await;
    let sms_id = settings.authenticator_id("SMS");
    let updated = app
        .submit(
            "/settings/default",
            &[("s", &s), ("authenticatorId", &sms_id)],
        )
        .await;
    assert!(updated.has("Default method updated."));
    assert_eq!(
        app.get("/users/u1").await.1["defaultVerificationMethod"],
        "SMS"
    );

    let removed = app
        .submit(
            "/settings/remove",
            &[("s", &s), ("authenticatorId", &sms_id)],
        )
        .await;
    assert!(removed.has("Authenticator removed."), "{}", removed.html);
    assert_eq!(
        app.get("/users/u1").await.1["enrolledVerificationMethods"],
        json!(["EMAIL_OTP"])
    );
    assert_eq!(
        app.get("/users/u1").await.1["defaultVerificationMethod"],
        "EMAIL_OTP"
    );
}

#[tokio::test]
async fn removing_after_the_window_needs_a_new_challenge() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    app.post(
        "/users/u1/authenticators",
        json!({ "verificationMethod": "SMS", "phoneNumber": "+14155550123" }),
    )
    .await;
    let challenge = open_manage(&app, "u1").await;
    let s = challenge.s();
    let settings = app
        .submit(
            "/challenge",
            &[
                ("s", &s),
                ("code", &app.latest_code("jane@example.com").await),
            ],
        )
        .await;
    let sms_id = settings.authenticator_id("SMS");
    app.advance(11 * 60);
    let refused = app
        .submit(
            "/settings/remove",
            &[("s", &s), ("authenticatorId", &sms_id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/users/u1/authenticators")
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn the_challenge_offers_the_other_methods() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    app.post(
        "/users/u1/authenticators",
        json!({ "verificationMethod": "SMS", "phoneNumber": "+14155550123" }),
    )
    .await;
    let challenge = open_manage(&app, "u1").await;
    assert!(challenge.has("We emailed a 6-digit code"), "default first");
    assert!(challenge.has(">SMS</button>"));
    assert!(
        app.outbox("+14155550123").await.is_empty(),
        "only the shown method gets a code"
    );
    let s = challenge.s();
    let sms = app
        .open(&format!(
            "{}/ui/challenge?s={s}&authenticatorId={}",
            app.base,
            sms_id(&app).await
        ))
        .await;
    assert!(
        sms.has("We texted a 6-digit code to <strong>•••• 0123</strong>"),
        "{}",
        sms.html
    );
    let code = app.latest_code("+14155550123").await;
    let settings = app
        .submit(
            "/challenge",
            &[
                ("s", &s),
                ("authenticatorId", &sms_id(&app).await),
                ("code", &code),
            ],
        )
        .await;
    assert!(settings.has("Your authenticators"));
}

async fn sms_id(app: &TestApp) -> String {
    let (_, list) = app.get("/users/u1/authenticators").await;
    list.as_array()
        .and_then(|l| l.iter().find(|a| a["verificationMethod"] == "SMS"))
        .and_then(|a| a["userAuthenticatorId"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_expired_link_shows_a_way_back_without_a_token() {
    let app = TestApp::spawn().await;
    let tracked = app.track_manage("u1").await;
    app.advance(10 * 60);
    let page = app.open(tracked["url"].as_str().expect("url")).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.has("This link has expired"));
    assert!(
        page.has(r#"href="https://app.example/account?tab=security">Return to the app</a>"#),
        "{}",
        page.html
    );
}

#[tokio::test]
async fn a_forged_or_missing_token_is_refused() {
    let app = TestApp::spawn().await;
    let tracked = app.track_manage("u1").await;
    let url = tracked["url"].as_str().expect("url");
    let forged = format!("{}x", url);
    for target in [
        forged,
        format!("{}/ui", app.base),
        format!("{}/ui/settings?s=abc", app.base),
    ] {
        let page = app.open(&target).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{target}");
        assert!(page.has("This link isn't valid"));
    }
    // The app-facing token can't be used as a UI session token either.
    let token = tracked["token"].as_str().expect("token");
    assert_eq!(
        app.screen("/settings", token).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_pending_action_validates_as_challenge_required() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let tracked = app.track_manage("u1").await;
    app.open(tracked["url"].as_str().expect("url")).await;
    let body = app
        .validate(json!({ "token": tracked["token"], "userId": "u1", "action": "manage" }))
        .await;
    assert_eq!(
        (body["isValid"].as_bool(), body["state"].as_str()),
        (Some(false), Some("CHALLENGE_REQUIRED"))
    );
}

#[tokio::test]
async fn the_outbox_lists_newest_first_as_json_and_html() {
    let app = TestApp::spawn().await;
    let s = open_manage(&app, "u1").await.s();
    app.submit("/enroll/email", &[("s", &s), ("email", "jane@example.com")])
        .await;
    app.advance(1);
    app.submit("/enroll/resend", &[("s", &s)]).await;
    let messages = app.outbox("jane@example.com").await;
    assert_eq!(messages.len(), 2);
    assert!(messages[0]["createdAt"].as_str() > messages[1]["createdAt"].as_str());
    assert_eq!(
        messages[0].as_object().map(|m| m.len()),
        Some(4),
        "to, channel, code, createdAt"
    );
    assert!(app.outbox("someone@else.example").await.is_empty());
    let page = app.open(&format!("{}/outbox", app.base)).await;
    assert!(page.has("jane@example.com") && page.has(messages[0]["code"].as_str().unwrap_or("?")));
}

trait ClockNow {
    fn clock_now(&self) -> i64;
}

impl ClockNow for TestApp {
    fn clock_now(&self) -> i64 {
        use authsignal_sandbox::Clock;
        self.clock.now().unix_timestamp()
    }
}
