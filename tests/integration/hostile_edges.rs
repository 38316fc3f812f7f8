//! Issue 14's hostile edges, each tried from outside the way an attacker would: the embedded
//! sandbox facing a network, bursts of password guesses, requests in flight during sign-out,
//! anonymous floods, parallel removals, and the smaller holes.

use crate::support;

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use support::{
    location, new_client, pass_email_challenge, session_cookie, session_rows, spawn_app,
    spawn_app_with, spawn_app_with_test_hooks, unique_email, TestApp, PASSWORD,
};

/// Starts the real binary with `vars`; it must exit by itself. Its success and its stderr.
async fn binary_exit(vars: &[(&str, &str)]) -> (bool, String) {
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_storefront"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("STOREFRONT_DATA_DIR", data.path())
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env_remove("AUTHSIGNAL_SECRET_KEY")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("STOREFRONT_BASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        command.env(k, v);
    }
    let child = command.spawn().expect("start the storefront binary");
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    .expect("the storefront refused to start, rather than serving")
    .unwrap()
    .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[tokio::test]
async fn the_embedded_sandbox_never_faces_a_network() {
    for vars in [
        &[("STOREFRONT_BASE_URL", "https://shop.example.com")][..],
        &[
            ("STOREFRONT_BASE_URL", "http://localhost:3000"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:0"),
        ][..],
        &[("AUTHSIGNAL_SECRET_KEY", "")][..],
    ] {
        let (ok, stderr) = binary_exit(vars).await;
        assert!(!ok, "{vars:?} must not start");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.contains("AUTHSIGNAL_SECRET_KEY"),
            "{vars:?}: one line naming the variable, got {stderr}"
        );
    }

    // A public shop with a tenant key mounts no sandbox: no outbox, no sandbox API.
    let public = support::spawn_public_app("https://shop.example.com").await;
    assert_eq!(
        public
            .get("/sandbox/outbox/messages?to=a@example.com")
            .await
            .status(),
        404
    );
    let api = public
        .client
        .get(public.url("/sandbox/v1/users/x"))
        .basic_auth("sandbox-secret", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
}

/// Sends `count` sign-ins with a wrong password at once, each from its own browser, and
/// returns the message each one's form came back with.
async fn parallel_wrong_passwords(
    app: &TestApp,
    email: &str,
    count: usize,
    forwarded_for: Option<&str>,
) -> Vec<String> {
    let attempts = (0..count).map(|_| {
        let (url, email, forwarded_for) = (
            app.url("/signin"),
            email.to_string(),
            forwarded_for.map(str::to_string),
        );
        let base = app.address.clone();
        tokio::spawn(async move {
            let client = new_client();
            let mut request = client.post(url).form(&[
                ("email", email.as_str()),
                ("password", "not the password"),
                ("next", "/account"),
            ]);
            if let Some(ip) = &forwarded_for {
                request = request.header("x-forwarded-for", ip);
            }
            let response = request.send().await.unwrap();
            let form = client
                .get(format!("{base}{}", location(&response)))
                .send()
                .await
                .unwrap();
            form.text().await.unwrap()
        })
    });
    let mut messages = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        messages.push(attempt.await.unwrap());
    }
    messages
}

async fn assert_five_checks_of_thirty(app: &TestApp, forwarded_for: Option<&str>) {
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;
    let messages = parallel_wrong_passwords(app, &email, 30, forwarded_for).await;
    let checked = messages
        .iter()
        .filter(|html| html.contains("match an account"))
        .count();
    let refused = messages
        .iter()
        .filter(|html| html.contains("Too many failed sign-in attempts"))
        .count();
    assert_eq!(
        (checked, refused),
        (5, 25),
        "thirty at once: five password checks, the rest refused unchecked"
    );
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_get_five_checks() {
    assert_five_checks_of_thirty(&spawn_app().await, None).await;
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_get_five_checks_with_redis() {
    let redis = support::redis_url();
    // Redis is shared by every test: this one's address is its own.
    let ip = format!("198.51.{}.{}", rand_octet(), rand_octet());
    let app = spawn_app_with(&[
        ("REDIS_URL", redis.as_str()),
        ("STOREFRONT_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    assert_five_checks_of_thirty(&app, Some(&ip)).await;
}

fn rand_octet() -> u8 {
    (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 250) as u8
        + 1
}

/// A signed-in customer starts a launch and a page view against a slow Authsignal, signs
/// out while both are in flight; afterwards the old cookie signs nobody in.
async fn assert_sign_out_is_final(app: &TestApp) {
    let signed_up = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = session_cookie(&signed_up).expect("a session cookie");
    app.set_fault(json!({"route": "*", "latencyMs": 1200}))
        .await;
    let launch = tokio::spawn({
        let (client, url) = (
            app.client.clone(),
            app.url("/api/launch_authenticator_settings"),
        );
        async move {
            client
                .post(url)
                .header("accept", "application/json")
                .form(&[("intent", "Enroll")])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let view = tokio::spawn({
        let (client, url) = (app.client.clone(), app.url("/account"));
        async move { client.get(url).send().await.unwrap().status() }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(app.post_form("/signout", &[]).await.status(), 303);
    launch.await.unwrap();
    view.await.unwrap();

    let replay = new_client()
        .get(app.url("/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        303,
        "the in-flight requests did not bring the session back"
    );
    assert_eq!(
        app.get("/account").await.status(),
        303,
        "nor did the browser's own cookie jar"
    );
}

#[tokio::test]
async fn sign_out_is_final_on_sqlite() {
    assert_sign_out_is_final(&spawn_app_with_test_hooks().await).await;
}

#[tokio::test]
async fn sign_out_is_final_on_postgres() {
    let database = support::postgres_database().await;
    let app = spawn_app_with(&[
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
        ("DATABASE_URL", database.url.as_str()),
    ])
    .await;
    assert_sign_out_is_final(&app).await;
}

#[tokio::test]
async fn sign_out_is_final_on_redis() {
    let redis = support::redis_url();
    let app = spawn_app_with(&[
        ("AUTHSIGNAL_SANDBOX_FAULTS", "1"),
        ("REDIS_URL", redis.as_str()),
        ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
    ])
    .await;
    assert_sign_out_is_final(&app).await;
}

/// Records every write to the storefront's database from here on: a trigger per table and
/// operation (they fire for the server's connections too).
async fn record_writes(pool: &sqlx::SqlitePool) {
    sqlx::query("CREATE TABLE test_writes (tbl TEXT, op TEXT)")
        .execute(pool)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'test_writes'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.len() > 5, "tables: {tables:?}");
    for table in tables {
        for op in ["INSERT", "UPDATE", "DELETE"] {
            sqlx::query(&format!(
                "CREATE TRIGGER test_{op}_{table} AFTER {op} ON \"{table}\" BEGIN INSERT INTO test_writes VALUES ('{table}', '{op}'); END"
            ))
            .execute(pool)
            .await
            .unwrap();
        }
    }
}

#[tokio::test]
async fn a_page_view_that_changes_nothing_writes_nothing() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.enroll_email(&email).await;
    let pool = sqlx::SqlitePool::connect(&app.sqlite_url()).await.unwrap();
    // Settled: the enrollment's webhook is in the activity and its receipt in the mailbox,
    // and the mail worker is done with it (it marks each message sent).
    let settled = async {
        loop {
            let unsent: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM outgoing_mail WHERE sent_at IS NULL")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            let html = app.get_html("/account").await;
            if html.contains("Added Email")
                && !app.dev_mailbox(&email).await.is_empty()
                && unsent == 0
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), settled)
        .await
        .expect("the enrollment's webhook and receipt arrive");
    record_writes(&pool).await;

    for _ in 0..3 {
        let account = app.get_html("/account").await;
        assert!(account.contains("Manage authenticators") && account.contains("Added Email"));
        app.get_html("/").await;
        app.get_html("/signin").await;
        app.get_html("/signup").await;
    }
    let writes: Vec<(String, String)> = sqlx::query_as("SELECT tbl, op FROM test_writes")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        writes,
        vec![],
        "three views of /account, the home page and the forms wrote nothing"
    );
}

#[tokio::test]
async fn anonymous_refused_forms_store_nothing_but_keep_what_was_typed() {
    let app = spawn_app().await;
    for n in 0..200 {
        let response = new_client()
            .post(app.url("/signup"))
            .form(&[
                ("email", format!("bad{n}")),
                ("name", "Eve".into()),
                ("password", PASSWORD.into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response), "/signup");
    }
    for n in 0..10 {
        new_client()
            .post(app.url("/signin"))
            .form(&[
                ("email", format!("nobody{n}@example.com").as_str()),
                ("password", "guess"),
                ("next", "/account"),
            ])
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        session_rows(&app).await,
        0,
        "no session row for anonymous refused posts"
    );

    let refused = app.sign_up("typed-by-hand", "Ada <b>", PASSWORD).await;
    let html = app.get_html(&location(&refused)).await;
    assert!(
        html.contains("Enter an email address like name@example.com."),
        "the reason is shown"
    );
    assert!(
        html.contains(r#"value="typed-by-hand""#) && html.contains("Ada &lt;b&gt;"),
        "what was typed comes back, escaped"
    );
    let again = app.get_html("/signup").await;
    assert!(!again.contains("typed-by-hand"), "and only once");
}

#[tokio::test]
async fn sign_ups_are_limited_per_address() {
    let app = spawn_app_with(&[("STOREFRONT_SIGN_UPS_PER_IP", "3")]).await;
    for _ in 0..3 {
        assert_eq!(
            location(
                &app.sign_up_with(&new_client(), &unique_email(), "Ada", PASSWORD)
                    .await
            ),
            "/account"
        );
    }
    let refused = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    assert_eq!(location(&refused), "/signup");
    assert!(app
        .get_html("/signup")
        .await
        .contains("Too many accounts were created from your network"));
}

/// A customer with an email and an SMS authenticator who has just verified (by the removal
/// round trip); returns the app, the customer's id and both authenticator ids.
async fn verified_customer_with_two_authenticators(app: &TestApp) -> (String, Vec<String>) {
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.enroll_email(&email).await;
    app.enroll_sms(&user_id, "+64271234567").await;
    let ids = app.authenticator_ids(&user_id).await;
    assert_eq!(ids.len(), 2);
    let challenge: String = app
        .remove_authenticator(&ids[0])
        .await
        .json()
        .await
        .unwrap();
    let back = pass_email_challenge(app, &app.client, &challenge, &email).await;
    let returned = app.client.get(&back).send().await.unwrap();
    assert!(
        location(&returned).starts_with("/account?remove="),
        "verified: {}",
        location(&returned)
    );
    (user_id, ids)
}

#[tokio::test]
async fn two_parallel_removals_never_leave_zero_authenticators() {
    let app = spawn_app_with_test_hooks().await;
    let (user_id, ids) = verified_customer_with_two_authenticators(&app).await;
    // Slow deletes widen the window in which both requests could see "two left".
    app.set_fault(json!({"route": "getAuthenticators", "latencyMs": 300}))
        .await;
    let (first, second) = tokio::join!(
        app.remove_authenticator(&ids[0]),
        app.remove_authenticator(&ids[1])
    );
    assert_eq!(
        (first.status(), second.status()),
        (reqwest::StatusCode::OK, reqwest::StatusCode::OK)
    );
    assert_eq!(
        app.authenticator_ids(&user_id).await.len(),
        1,
        "exactly one removed, one left"
    );
}

#[tokio::test]
async fn the_embedded_sandbox_sits_inside_the_storefronts_layers() {
    let app = spawn_app().await;
    let outbox = app.get("/sandbox/outbox").await;
    assert_eq!(outbox.status(), 200);
    assert_eq!(outbox.headers()["x-content-type-options"], "nosniff");
    assert_eq!(outbox.headers()["x-frame-options"], "DENY");
    let policy = outbox.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    let huge = "a".repeat(200 * 1024);
    let response = app
        .client
        .post(app.url("/sandbox/v1/users/u/actions/signIn"))
        .basic_auth("sandbox-secret", Some(""))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        413,
        "the storefront's body limit covers the sandbox too"
    );
}

#[tokio::test]
async fn invisible_characters_are_refused_and_idn_domains_are_one_account() {
    let app = spawn_app().await;
    for sneaky in [
        "ada\u{200B}@example.com",
        "ada@exam\u{202E}ple.com",
        "a\u{2066}da@example.com",
    ] {
        let refused = app.sign_up(sneaky, "Ada", PASSWORD).await;
        assert_eq!(location(&refused), "/signup", "{sneaky:?}");
        assert!(app
            .get_html("/signup")
            .await
            .contains("Enter an email address like"));
    }
    let local = format!("ada{}", std::process::id());
    assert_eq!(
        location(
            &app.sign_up(&format!("{local}@Bücher.example"), "Ada", PASSWORD)
                .await
        ),
        "/account"
    );
    app.post_form("/signout", &[]).await;
    assert_eq!(
        location(
            &app.sign_in(&format!("{local}@xn--bcher-kva.example"), PASSWORD)
                .await
        ),
        "/account",
        "one mailbox, one account"
    );
    let taken = app
        .sign_up(&format!("{local}@xn--bcher-kva.example"), "Eve", PASSWORD)
        .await;
    assert_eq!(location(&taken), "/signup");
}

#[tokio::test]
async fn a_session_ends_thirty_days_after_sign_in_however_active() {
    use tower_sessions::session::Id;
    use tower_sessions::SessionStore;
    let app = spawn_app().await;
    let signed_up = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = session_cookie(&signed_up).expect("a session cookie");
    assert_eq!(app.get("/account").await.status(), 200);

    // Thirty-one days of constant activity: only the sign-in time is moved back.
    let url = format!("{}?mode=rwc", app.sqlite_url());
    let store = storefront::server::sessions::store::SessionBackend::connect(&url, None)
        .await
        .unwrap();
    let id: Id = cookie
        .trim_start_matches("storefront_session=")
        .parse()
        .unwrap();
    let mut record = store.load(&id).await.unwrap().expect("the session");
    let signed_in = record.data.get_mut("signed_in").expect("signed in");
    let month_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 31 * 24 * 60 * 60;
    signed_in["since"] = json!(month_ago);
    store.save(&record).await.unwrap();

    assert_eq!(app.get("/account").await.status(), 303, "signed out");
    assert!(
        store.load(&id).await.unwrap().is_none(),
        "and the session is gone"
    );
}

#[tokio::test]
async fn readiness_asks_authsignal_at_most_once_per_few_seconds_and_echoes_nothing() {
    let app = spawn_app_with_test_hooks().await;
    app.client
        .delete(app.url("/sandbox/_test/stats"))
        .send()
        .await
        .unwrap();
    let polls: Vec<_> = (0..20)
        .map(|_| app.client.get(app.url("/readyz")).send())
        .collect();
    for poll in polls {
        assert_eq!(poll.await.unwrap().status(), 200);
    }
    let stats: Value = app.get("/sandbox/_test/stats").await.json().await.unwrap();
    assert_eq!(
        stats["total"], 1,
        "twenty polls, one upstream call: {stats}"
    );

    app.set_fault(json!({"route": "*", "malformedBody": true}))
        .await;
    tokio::time::sleep(Duration::from_millis(5_100)).await;
    let report: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(report["authsignal"]["ok"], false, "{report}");
    assert_eq!(
        report["authsignal"]["error"], "unexpected answer",
        "our words, not the upstream's"
    );
}

#[tokio::test]
async fn a_successful_return_remembers_the_enrollment_for_outages() {
    let app = spawn_app_with_test_hooks().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    // Seen with nothing enrolled: remembered as "not enrolled".
    assert!(app
        .get_html("/account")
        .await
        .contains("Enroll authenticator"));
    let user_id = app.enroll_email(&email).await;
    // The removal's verification round trip succeeds: the storefront now knows better,
    // without another view of the account page.
    let challenge: String = app
        .remove_authenticator(&app.authenticator_ids(&user_id).await[0])
        .await
        .json()
        .await
        .unwrap();
    let back = pass_email_challenge(&app, &app.client, &challenge, &email).await;
    app.client.get(&back).send().await.unwrap();
    app.post_form("/signout", &[]).await;

    app.set_fault(json!({"route": "*", "status": 503})).await;
    let response = app.sign_in(&email, PASSWORD).await;
    assert!(
        location(&response).starts_with("/signin"),
        "a password alone does not get in during an outage"
    );
    assert!(app
        .get_html(&location(&response))
        .await
        .contains("Two-step sign-in is temporarily unavailable"));
}

#[tokio::test]
async fn garbage_returns_cannot_flood_the_security_activity() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    support::launch(&app.client, &app).await;
    for _ in 0..12 {
        assert_eq!(
            location(&app.get("/account/return?token=garbage").await),
            "/account"
        );
    }
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Started enrolling an authenticator"),
        "the real event is still listed"
    );
    assert!(
        html.matches("was refused").count() <= 1,
        "one refused line for the one pending launch at most"
    );
}
