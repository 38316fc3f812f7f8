//! The sandbox's defences, as an attacker or a user would meet them: the binary's listen
//! address, the last authenticator under parallel removals, attempt limits under parallel
//! guesses, a strict Content-Security-Policy on every page, and a test clock that refuses
//! absurd moves.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{secret_key, totp, Page, TestApp};
use futures_util::future::join_all;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

const APP_RETURN: &str = "https://app.example/back";

// ---- 1. The binary refuses to listen beyond loopback unless told to ----

/// The standalone binary with a throwaway database and none of the caller's settings.
pub(crate) fn sandbox_binary(db_dir: &TempDir, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authsignal-sandbox"));
    command
        .args(args)
        .args(["--secret-key", "test-secret", "--database-url"])
        .arg(format!(
            "sqlite://{}/sandbox.db?mode=rwc",
            db_dir.path().display()
        ))
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info");
    for var in [
        "AUTHSIGNAL_SANDBOX_ADDR",
        "AUTHSIGNAL_SANDBOX_SECRET_KEY",
        "AUTHSIGNAL_SANDBOX_DATABASE_URL",
        "AUTHSIGNAL_SANDBOX_PUBLIC_URL",
        "AUTHSIGNAL_SANDBOX_FAULTS",
        "AUTHSIGNAL_SANDBOX_ALLOW_NON_LOOPBACK",
        "AUTHSIGNAL_SANDBOX_ACTIONS_CONFIG",
    ] {
        command.env_remove(var);
    }
    command
}

/// Waits for the process to exit; kills it (and fails) if it keeps running.
fn exit_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the sandbox kept running instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the binary expecting a refusal; returns its stderr.
pub(crate) fn refusal(args: &[&str]) -> String {
    let db_dir = TempDir::new().expect("temp dir");
    let mut child = sandbox_binary(&db_dir, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the sandbox binary");
    let status = exit_within(&mut child, Duration::from_secs(30));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(!status.success(), "exit status {status}; stderr: {stderr}");
    assert!(
        !db_dir.path().join("sandbox.db").exists(),
        "refused before touching the database"
    );
    stderr
}

#[test]
fn the_binary_refuses_a_non_loopback_address_and_says_what_it_would_expose() {
    let stderr = refusal(&["--addr", "0.0.0.0:0"]);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for said in [
        "0.0.0.0:0",
        "not a loopback address",
        "one-time codes in the dev outbox",
        "secret key can mark actions succeeded and delete authenticators",
        "--allow-non-loopback",
    ] {
        assert!(stderr.contains(said), "{said:?} in {stderr}");
    }
    assert!(!stderr.contains("test hooks"), "{stderr}");

    let with_hooks = refusal(&["--addr", "[::]:0", "--enable-faults"]);
    assert_eq!(with_hooks.trim_end().lines().count(), 1, "{with_hooks}");
    assert!(with_hooks.contains("test hooks are on"), "{with_hooks}");
}

/// Starts the binary and reads its log until it listens; returns the port and the log.
pub(crate) fn start_and_wait_until_listening(command: &mut Command) -> (Child, u16, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the sandbox binary");
    let (lines, received) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    let mut log = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Ok(line) = received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        log.push_str(&line);
        log.push('\n');
        if line.contains("authsignal sandbox listening") {
            let port = line
                .split_whitespace()
                .find_map(|field| field.strip_prefix("addr="))
                .and_then(|addr| addr.rsplit(':').next())
                .and_then(|port| port.parse().ok())
                .unwrap_or_else(|| panic!("no bound port in {line}"));
            return (child, port, log);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the sandbox never listened: {log}");
}

#[tokio::test]
async fn with_the_flag_the_binary_listens_beyond_loopback_and_warns_loudly() {
    let db_dir = TempDir::new().expect("temp dir");
    let (mut child, port, log) = start_and_wait_until_listening(&mut sandbox_binary(
        &db_dir,
        &["--addr", "0.0.0.0:0", "--allow-non-loopback"],
    ));
    let answered = reqwest::get(format!("http://127.0.0.1:{port}/outbox/messages")).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answered.expect("GET").status(), StatusCode::OK);
    let warning = log
        .lines()
        .find(|line| line.contains("WARN"))
        .unwrap_or_else(|| panic!("no warning in {log}"));
    for said in [
        "--allow-non-loopback",
        "one-time codes in the dev outbox",
        "mark actions succeeded and delete authenticators",
    ] {
        assert!(warning.contains(said), "{said:?} in {warning}");
    }

    // The environment variable says the same.
    let db_dir = TempDir::new().expect("temp dir");
    let mut command = sandbox_binary(&db_dir, &["--addr", "0.0.0.0:0"]);
    command.env("AUTHSIGNAL_SANDBOX_ALLOW_NON_LOOPBACK", "1");
    let (mut child, _, log) = start_and_wait_until_listening(&mut command);
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("WARN"), "{log}");
}

// ---- helpers for the UI ----

/// A visit tracked for `user_id` (back to APP_RETURN), opened in the UI.
async fn visit(app: &TestApp, user_id: &str, action: &str, settings: bool) -> (Value, Page) {
    let tracked = app
        .track(
            user_id,
            action,
            json!({ "redirectUrl": APP_RETURN, "redirectToSettings": settings }),
        )
        .await;
    let page = app.open(tracked["url"].as_str().expect("url")).await;
    (tracked, page)
}

fn clock_now(app: &TestApp) -> i64 {
    use authsignal_sandbox::Clock;
    app.clock.now().unix_timestamp()
}

/// A 6-digit code that is none of the ones `secret` makes around now.
fn wrong_totp(secret: &str, now: i64) -> String {
    let valid: Vec<String> = [-30, 0, 30].iter().map(|d| totp(secret, now + d)).collect();
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|code| !valid.iter().any(|v| v == code))
        .expect("a wrong code")
        .to_owned()
}

/// The number in "You have N attempts left", if the page says it.
fn attempts_left(page: &Page) -> Option<i64> {
    let rest = page.html.split("You have ").nth(1)?;
    rest.split(' ').next()?.parse().ok()
}

// ---- 2. Parallel removals in settings never leave zero authenticators ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_removals_in_settings_never_leave_zero_authenticators() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let user = format!("u{round}");
        let email = format!("{user}@example.com");
        app.enroll_email(&user, &email).await;
        app.post(
            &format!("/users/{user}/authenticators"),
            json!({ "verificationMethod": "SMS", "phoneNumber": "+14155550123" }),
        )
        .await;
        let (_, challenge) = visit(&app, &user, "manage", true).await;
        let s = challenge.s();
        let code = app.latest_code(&email).await;
        let settings = app
            .submit("/challenge", &[("s", &s), ("code", &code)])
            .await;
        let ids = [
            settings.authenticator_id("Email"),
            settings.authenticator_id("SMS"),
        ];

        // Each removal three times over, so the requests really overlap.
        let forms: Vec<[(&str, &str); 2]> = ids
            .iter()
            .cycle()
            .take(6)
            .map(|id| [("s", s.as_str()), ("authenticatorId", id.as_str())])
            .collect();
        let pages = join_all(forms.iter().map(|f| app.submit("/settings/remove", f))).await;

        let (_, left) = app.get(&format!("/users/{user}/authenticators")).await;
        assert_eq!(left.as_array().map(Vec::len), Some(1), "round {round}");
        let refused = pages
            .iter()
            .find(|p| p.status == StatusCode::CONFLICT)
            .unwrap_or_else(|| panic!("round {round}: no refusal in {pages:?}"));
        assert!(
            refused.has("Nothing was removed: that is your only authenticator now"),
            "{}",
            refused.html
        );
    }
}

// ---- 3. Attempt limits: authenticator app, email codes (parallel), passkeys (passkeys.rs) ----

/// Enrolls an authenticator app in the UI; returns its secret.
async fn enroll_app(app: &TestApp, user_id: &str) -> String {
    let (_, choice) = visit(app, user_id, "manage", true).await;
    let s = choice.s();
    let secret = secret_key(&app.screen("/enroll/app", &s).await);
    let code = totp(&secret, clock_now(app));
    let settings = app
        .submit("/enroll/app", &[("s", &s), ("code", &code)])
        .await;
    assert!(settings.has("Authenticator added."), "{}", settings.html);
    secret
}

#[tokio::test]
async fn five_wrong_authenticator_app_codes_lock_the_challenge_even_for_the_right_code() {
    let app = TestApp::spawn().await;
    let secret = enroll_app(&app, "u1").await;
    app.advance(60);
    let (tracked, challenge) = visit(&app, "u1", "signIn", false).await;
    assert!(
        challenge.has("from your authenticator app"),
        "{}",
        challenge.html
    );
    let s = challenge.s();
    let wrong = wrong_totp(&secret, clock_now(&app));
    for left in [4, 3, 2, 1] {
        let page = app
            .submit("/challenge", &[("s", &s), ("code", &wrong)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(attempts_left(&page), Some(left), "{}", page.html);
    }
    let fifth = app
        .submit("/challenge", &[("s", &s), ("code", &wrong)])
        .await;
    assert_locked(&fifth, "Too many incorrect codes");

    let right = totp(&secret, clock_now(&app));
    let refused = app
        .submit("/challenge", &[("s", &s), ("code", &right)])
        .await;
    assert_locked(&refused, "Too many incorrect codes");
    assert_locked(
        &app.screen("/challenge", &s).await,
        "Too many incorrect codes",
    );
    let validated = app.validate(json!({ "token": tracked["token"] })).await;
    assert_eq!(validated["isValid"], false, "{validated}");

    // Starting again from the app is a new challenge, and the right code works there.
    let (_, again) = visit(&app, "u1", "signIn", false).await;
    let back = app
        .submit("/challenge", &[("s", &again.s()), ("code", &right)])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    assert!(back.url.starts_with(APP_RETURN), "{}", back.url);
}

/// A locked challenge: says why and what to do, and offers no code form.
fn assert_locked(page: &Page, why: &str) {
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.html);
    assert!(page.has(why), "{}", page.html);
    assert!(
        page.has("Go back to the app and start again"),
        "{}",
        page.html
    );
    assert!(
        page.has(&format!(r#"href="{APP_RETURN}">Return to the app</a>"#)),
        "{}",
        page.html
    );
    assert!(!page.has(">Verify</button>"), "{}", page.html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_wrong_email_codes_get_five_checks_at_most() {
    let app = TestApp::spawn().await;
    app.enroll_email("u1", "jane@example.com").await;
    let (_, challenge) = visit(&app, "u1", "signIn", false).await;
    let s = challenge.s();
    let code = app.latest_code("jane@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let guess = [("s", s.as_str()), ("code", wrong)];
    let pages = join_all((0..20).map(|_| app.submit("/challenge", &guess))).await;

    // Exactly five guesses were checked: four told how many attempts are left (each a
    // different number), the fifth burnt the code, and the rest were refused unchecked.
    let mut left: Vec<i64> = pages.iter().filter_map(attempts_left).collect();
    left.sort_unstable();
    assert_eq!(left, vec![1, 2, 3, 4]);
    let too_many = pages
        .iter()
        .filter(|p| p.has("Too many incorrect attempts"))
        .count();
    assert_eq!(too_many, 16);

    let right = app
        .submit("/challenge", &[("s", &s), ("code", &code)])
        .await;
    assert!(right.has("Too many incorrect attempts"), "{}", right.html);
    assert!(right.has("send a new code"), "{}", right.html);
    assert_eq!(app.outbox("jane@example.com").await.len(), 1);

    // The way to start again: a new code.
    let resent = app.submit("/challenge/resend", &[("s", &s)]).await;
    assert!(resent.has("We sent you a new code."), "{}", resent.html);
    let fresh = app.latest_code("jane@example.com").await;
    let back = app
        .submit("/challenge", &[("s", &s), ("code", &fresh)])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
}

// ---- 4. Every page is strict under its own Content-Security-Policy ----

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// GETs a page without following redirects: its headers and HTML.
async fn fetch(app: &TestApp, url: &str) -> (StatusCode, HeaderMap, String) {
    let response = app.client.get(url).send().await.expect("GET");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// Every attribute name of every tag, for the sandbox's own (well-formed) markup.
fn attribute_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in html.split('<').skip(1) {
        let inner = tag.split('>').next().unwrap_or_default();
        let mut rest = inner.trim_start_matches(|c: char| !c.is_whitespace());
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                break;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            names.push(rest[..end].to_ascii_lowercase());
            rest = &rest[end..];
            if let Some(value) = rest.strip_prefix('=') {
                rest = match value.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        value[1..].split_once(quote).map_or("", |(_, after)| after)
                    }
                    _ => value.trim_start_matches(|c: char| !c.is_whitespace()),
                };
            }
        }
    }
    names
}

/// The page's policy headers and markup; returns the stylesheet URL it links.
fn assert_strict(url: &str, headers: &HeaderMap, html: &str) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-security-policy"), Some(POLICY), "{url}");
    assert_eq!(header("x-content-type-options"), Some("nosniff"), "{url}");
    assert_eq!(header("referrer-policy"), Some("no-referrer"), "{url}");
    assert!(
        header("content-type").is_some_and(|t| t.starts_with("text/html")),
        "{url}"
    );
    assert!(!html.contains("<style"), "inline <style> in {url}");
    let names = attribute_names(html);
    assert!(names.iter().any(|n| n == "href"), "the parser sees {url}");
    assert!(!names.iter().any(|n| n == "style"), "style= in {url}");
    let handlers: Vec<&String> = names.iter().filter(|n| n.starts_with("on")).collect();
    assert!(handlers.is_empty(), "{handlers:?} in {url}");
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(" src=") || tag.contains(r#"type="application/json""#),
            "inline script in {url}: <script{tag}>"
        );
    }
    let marker = r#"<link rel="stylesheet" href=""#;
    let start = html.find(marker).map(|i| i + marker.len());
    let start = start.unwrap_or_else(|| panic!("no stylesheet in {url}"));
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_page_is_strict_under_its_own_content_security_policy() {
    let app = TestApp::spawn_on_localhost(Arc::new(TempDir::new().expect("temp dir"))).await;
    let (_, choice) = visit(&app, "u1", "manage", true).await;
    let s = choice.s();
    app.submit("/enroll/email", &[("s", &s), ("email", "jane@example.com")])
        .await;
    let ui = |path: &str| format!("{}/ui{path}?s={s}", app.base);
    let pages = [
        ui("/enroll"),
        ui("/enroll/email"),
        ui("/enroll/verify"),
        ui("/enroll/app"),
        ui("/enroll/passkey"),
        format!("{}/ui/settings?s=forged", app.base),
        format!("{}/outbox", app.base),
    ];
    let mut stylesheets = Vec::new();
    for url in &pages {
        let (status, headers, html) = fetch(&app, url).await;
        assert!(
            status.is_success() || status == StatusCode::BAD_REQUEST,
            "{url}: {status}"
        );
        stylesheets.push(assert_strict(url, &headers, &html));
    }
    let passkey_page = fetch(&app, &pages[4]).await.2;
    assert!(passkey_page.contains(r#"<script type="application/json""#));

    stylesheets.dedup();
    assert_eq!(stylesheets, vec![format!("{}/ui/style.css", app.base)]);
    let (status, headers, css) = fetch(&app, &stylesheets[0]).await;
    assert_eq!(status, StatusCode::OK);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    assert!(header("content-type").is_some_and(|t| t.starts_with("text/css")));
    assert!(header("cache-control").is_some_and(|c| c.contains("max-age")));
    assert!(css.contains(".card") && css.contains(".after-form"));
}

// ---- 5. The test clock refuses absurd moves ----

async fn advance_clock(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/_test/clock/advance", app.base))
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn the_test_clock_refuses_absurd_moves_and_the_sandbox_keeps_answering() {
    let app = TestApp::spawn().await;
    let four_hundred_years = 400 * 365 * 24 * 60 * 60_i64;
    for body in [
        json!({ "seconds": i64::MAX }),
        json!({ "seconds": i64::MIN }),
        json!({ "seconds": four_hundred_years }),
        json!({ "seconds": -four_hundred_years, "userId": "u1" }),
    ] {
        let (status, error) = advance_clock(&app, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error["error"], "invalid_request", "{error}");
        assert_eq!(error["errorCode"], "invalid_request", "{error}");
        assert!(
            error["errorDescription"]
                .as_str()
                .is_some_and(|d| d.contains("ten years")),
            "{error}"
        );
    }

    // Many allowed moves can't add up to an absurd one either.
    let ten_years = 10 * 366 * 24 * 60 * 60_i64;
    for _ in 0..10 {
        let (status, _) =
            advance_clock(&app, json!({ "seconds": ten_years, "userId": "u2" })).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, error) =
        advance_clock(&app, json!({ "seconds": ten_years, "userId": "u2" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (_, far) = visit(&app, "u2", "manage", true).await;
    assert!(far.has("Set up an authenticator"), "{}", far.html);

    // Nothing moved for everyone else, and ordinary moves still work.
    let (status, clock) = advance_clock(&app, json!({ "seconds": 600 })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clock["unixSeconds"], clock_now(&app) + 600);
    let (_, page) = visit(&app, "u1", "manage", true).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
}
