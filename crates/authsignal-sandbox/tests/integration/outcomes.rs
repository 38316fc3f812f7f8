//! What track answers per action code, so apps can test every outcome: the default
//! configuration, one set by `SandboxConfig::actions`, the binary's `--actions-config` file
//! and the `/_test/actions` hook; BLOCK and REVIEW, the pre-built UI refusing both, and
//! update action resolving a review.

use crate::common;
use crate::hardening::{refusal, sandbox_binary, start_and_wait_until_listening};

use authsignal_sandbox::{ActionRule, ActionsConfig, Outcome};
use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;

const APP_RETURN: &str = "https://app.example/back";

fn rule(default_outcome: Outcome, challenge_when_enrolled: bool) -> ActionRule {
    ActionRule {
        default_outcome,
        challenge_when_enrolled,
    }
}

/// Track's state for `action` with an enrolled user and with a new one.
async fn states(app: &TestApp, action: &str) -> (Value, Value) {
    let enrolled = format!("enrolled-{action}");
    app.enroll_email(&enrolled, "jane@example.com").await;
    let for_enrolled = app.track(&enrolled, action, json!({})).await;
    let for_new = app.track(&format!("new-{action}"), action, json!({})).await;
    (for_enrolled["state"].clone(), for_new["state"].clone())
}

async fn set_outcome(app: &TestApp, action: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .put(format!("{}/_test/actions/{action}", app.base))
        .json(&body)
        .send()
        .await
        .expect("hook");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

async fn reset_outcome(app: &TestApp, action: &str) -> Value {
    let response = app
        .client
        .delete(format!("{}/_test/actions/{action}", app.base))
        .send()
        .await
        .expect("hook");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn by_default_enrolled_users_are_challenged_for_every_storefront_action() {
    let app = TestApp::spawn().await;
    for action in ["signIn", "enroll", "manage", "removeAuthenticator", "other"] {
        assert_eq!(
            states(&app, action).await,
            (json!("CHALLENGE_REQUIRED"), json!("ALLOW")),
            "{action}"
        );
    }
}

#[tokio::test]
async fn sandbox_config_sets_each_action_codes_outcome() {
    let mut actions = ActionsConfig {
        default: rule(Outcome::Allow, false),
        ..ActionsConfig::default()
    };
    for (code, set) in [
        ("signIn", rule(Outcome::Challenge, false)),
        ("transfer", rule(Outcome::Block, false)),
        ("payout", rule(Outcome::Review, false)),
        ("export", rule(Outcome::Review, true)),
    ] {
        actions.actions.insert(code.to_owned(), set);
    }
    let app = TestApp::spawn_with_actions(actions).await;
    for (action, expected) in [
        ("signIn", ("CHALLENGE_REQUIRED", "ALLOW")),
        ("transfer", ("BLOCK", "BLOCK")),
        ("payout", ("REVIEW_REQUIRED", "REVIEW_REQUIRED")),
        ("export", ("CHALLENGE_REQUIRED", "REVIEW_REQUIRED")),
        ("manage", ("ALLOW", "ALLOW")),
    ] {
        assert_eq!(
            states(&app, action).await,
            (json!(expected.0), json!(expected.1)),
            "{action}"
        );
    }
}

#[tokio::test]
async fn the_test_hook_sets_reads_and_resets_an_action_codes_outcome() {
    let app = TestApp::spawn().await;
    let (status, body) = set_outcome(
        &app,
        "signIn",
        json!({ "defaultOutcome": "BLOCK", "challengeWhenEnrolled": false }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({ "defaultOutcome": "BLOCK", "challengeWhenEnrolled": false })
    );
    let read: Value = app
        .client
        .get(format!("{}/_test/actions/signIn", app.base))
        .send()
        .await
        .expect("hook")
        .json()
        .await
        .expect("JSON");
    assert_eq!(read, body);
    assert_eq!(
        states(&app, "signIn").await,
        (json!("BLOCK"), json!("BLOCK"))
    );
    assert_eq!(
        states(&app, "other").await,
        (json!("CHALLENGE_REQUIRED"), json!("ALLOW")),
        "other codes keep theirs"
    );

    assert_eq!(
        reset_outcome(&app, "signIn").await,
        json!({ "defaultOutcome": "ALLOW", "challengeWhenEnrolled": true })
    );
    let again = app.track("enrolled-signIn", "signIn", json!({})).await;
    assert_eq!(again["state"], "CHALLENGE_REQUIRED");

    for (action, bad) in [
        ("signIn", json!({ "defaultOutcome": "MAYBE" })),
        ("signIn", json!({ "challengeWhenEnrolled": true })),
        ("signIn", json!({ "defaultOutcome": "ALLOW", "extra": 1 })),
        ("sign.in", json!({ "defaultOutcome": "ALLOW" })),
    ] {
        let (status, error) = set_outcome(&app, action, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error["errorCode"], "invalid_request");
    }
}

#[tokio::test]
async fn a_blocked_action_cannot_be_passed_in_the_prebuilt_ui() {
    let app = TestApp::spawn().await;
    set_outcome(&app, "manage", json!({ "defaultOutcome": "BLOCK" })).await;
    app.enroll_email("u1", "jane@example.com").await;
    for user_id in ["u1", "new-user"] {
        let tracked = app
            .track(
                user_id,
                "manage",
                json!({ "redirectUrl": APP_RETURN, "redirectToSettings": true }),
            )
            .await;
        assert_eq!(tracked["state"], "BLOCK");
        let page = app.open(tracked["url"].as_str().expect("url")).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.html);
        assert!(page.has("this action has been blocked"), "{}", page.html);
        assert!(!page.has(r#"name="s""#), "no form goes further");
        assert!(page.has(&format!(r#"href="{APP_RETURN}""#)));
        let validated = app.validate(json!({ "token": tracked["token"] })).await;
        assert_eq!(
            (&validated["isValid"], &validated["state"]),
            (&json!(false), &json!("BLOCK"))
        );
    }
}

#[tokio::test]
async fn blocking_an_action_mid_visit_stops_the_ui_and_keeps_the_state() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let tracked = app
        .track(
            "u1",
            "signIn",
            json!({ "redirectUrl": APP_RETURN, "idempotencyKey": "k1" }),
        )
        .await;
    let challenge = app.open(tracked["url"].as_str().expect("url")).await;
    let s = challenge.s();
    let code = app.latest_code("jane@example.com").await;
    let (status, _) = app
        .call(
            Method::PATCH,
            "/users/u1/actions/signIn/k1",
            Some(json!({ "state": "BLOCK" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let refused = app
        .submit("/challenge", &[("s", &s), ("code", &code)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.html);
    let (_, action) = app.get("/users/u1/actions/signIn/k1").await;
    assert_eq!(action["state"], "BLOCK");
}

#[tokio::test]
async fn a_review_is_resolved_by_update_action_and_validate_reports_it() {
    let app = TestApp::spawn().await;
    set_outcome(&app, "payout", json!({ "defaultOutcome": "REVIEW" })).await;
    app.enroll_email("u1", "jane@example.com").await;
    let mut tokens = Vec::new();
    for (key, verdict) in [("k1", "REVIEW_SUCCEEDED"), ("k2", "REVIEW_FAILED")] {
        let tracked = app
            .track(
                "u1",
                "payout",
                json!({ "idempotencyKey": key, "redirectUrl": APP_RETURN }),
            )
            .await;
        assert_eq!(tracked["state"], "REVIEW_REQUIRED");
        let waiting = app.open(tracked["url"].as_str().expect("url")).await;
        assert_eq!(waiting.status, StatusCode::FORBIDDEN);
        assert!(waiting.has("waiting to be reviewed"), "{}", waiting.html);
        let pending = app.validate(json!({ "token": tracked["token"] })).await;
        assert_eq!(
            (&pending["isValid"], &pending["state"]),
            (&json!(false), &json!("REVIEW_REQUIRED"))
        );

        app.advance(2);
        let (status, updated) = app
            .call(
                Method::PATCH,
                &format!("/users/u1/actions/payout/{key}"),
                Some(json!({ "state": verdict })),
            )
            .await;
        assert_eq!(
            (status, updated),
            (StatusCode::OK, json!({ "state": verdict }))
        );
        let (_, action) = app.get(&format!("/users/u1/actions/payout/{key}")).await;
        assert_eq!(action["state"], verdict);
        assert_ne!(action["createdAt"], action["stateUpdatedAt"]);
        tokens.push((tracked["token"].clone(), verdict));
    }
    for (token, verdict) in tokens {
        let validated = app
            .validate(json!({ "token": token, "userId": "u1", "action": "payout" }))
            .await;
        // isValid means "the challenge was completed successfully"; a review says so in state.
        assert_eq!(validated["isValid"], false, "{validated}");
        assert_eq!(validated["state"], verdict);
        assert_eq!(validated["userId"], "u1");
    }
}

fn write_config(dir: &TempDir, text: &str) -> String {
    let path = dir.path().join("actions.json");
    std::fs::write(&path, text).expect("write config");
    path.display().to_string()
}

/// Starts the standalone binary as `command` says and tracks `signIn` once.
async fn track_with_binary(command: &mut std::process::Command, user_id: &str) -> Value {
    let (mut child, port, log) = start_and_wait_until_listening(command);
    let answered = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/v1/users/{user_id}/actions/signIn"
        ))
        .basic_auth(common::SECRET, Some(""))
        .json(&json!({}))
        .send()
        .await;
    let _ = child.kill();
    let _ = child.wait();
    let response = answered.unwrap_or_else(|e| panic!("track: {e}; log: {log}"));
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn the_binary_reads_an_actions_config_file_and_refuses_a_bad_one() {
    let config_dir = TempDir::new().expect("temp dir");
    let path = write_config(
        &config_dir,
        r#"{"actions": {"signIn": {"defaultOutcome": "BLOCK"}}}"#,
    );
    let db_dir = TempDir::new().expect("temp dir");
    let mut flag = sandbox_binary(
        &db_dir,
        &["--addr", "127.0.0.1:0", "--actions-config", &path],
    );
    assert_eq!(track_with_binary(&mut flag, "u1").await["state"], "BLOCK");
    let db_dir = TempDir::new().expect("temp dir");
    let mut env = sandbox_binary(&db_dir, &["--addr", "127.0.0.1:0"]);
    env.env("AUTHSIGNAL_SANDBOX_ACTIONS_CONFIG", &path);
    assert_eq!(track_with_binary(&mut env, "u1").await["state"], "BLOCK");

    let bad = write_config(
        &config_dir,
        r#"{"actions": {"signIn": {"defaultOutcome": "SOMETIMES"}}}"#,
    );
    let missing = config_dir.path().join("nope.json").display().to_string();
    for (path, said) in [
        (&bad, "unknown variant `SOMETIMES`"),
        (&missing, "cannot read"),
    ] {
        let stderr = refusal(&["--addr", "127.0.0.1:0", "--actions-config", path]);
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(path.as_str()) && stderr.contains(said),
            "{stderr}"
        );
    }
}
