//! Storage: the same storefront on SQLite and on Postgres (the two migration sets in step,
//! every query alike), and scale-out: instances sharing one Postgres, one Redis and one
//! standalone sandbox, between which a customer moves and which restart losing nothing.
//! (Postgres and Redis are started by scripts/services.sh.)

use crate::support;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;
use sqlx::AnyPool;
use storefront::domain::{DisplayName, Email, Password};
use storefront::server::activity::log::{EventKind, SecurityEvents, SHOWN};
use storefront::server::db::{self, Backend};
use storefront::server::users::{UserStore, UserStoreError};
use support::mail::MailServer;
use support::{
    launch, new_client, postgres_database, redis_url, spawn_app_sharing, standalone_sandbox,
    unique_email, TestApp, FIREFOX_LINUX, PASSWORD,
};

const NEW_PASSWORD: &str = "a brand new passphrase";
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

// Both database backends.
/// (table, column) pairs of the storefront's own tables.
async fn columns(pool: &AnyPool, backend: Backend) -> BTreeSet<(String, String)> {
    let query = match backend {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%' AND m.name <> 'tower_sessions'"
        }
        Backend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_%'"
        }
    };
    sqlx::query_as::<_, (String, String)>(query)
        .fetch_all(pool)
        .await
        .expect("columns")
        .into_iter()
        .collect()
}

async fn versions(pool: &AnyPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .expect("versions")
}

async fn sqlite_pool(dir: &tempfile::TempDir) -> AnyPool {
    db::connect_and_migrate(&format!(
        "sqlite://{}/storefront.db?mode=rwc",
        dir.path().display()
    ))
    .await
    .expect("sqlite")
}

#[tokio::test]
async fn both_migration_sets_build_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_pool(&dir).await;
    let database = support::postgres_database().await;
    let postgres = db::connect_and_migrate(&database.url)
        .await
        .expect("postgres");

    let on_sqlite = columns(&sqlite, Backend::Sqlite).await;
    assert!(
        on_sqlite.contains(&("users".into(), "two_step_enrolled".into())),
        "{on_sqlite:?}"
    );
    assert_eq!(on_sqlite, columns(&postgres, Backend::Postgres).await);
    assert_eq!(
        versions(&sqlite).await,
        versions(&postgres).await,
        "same migration versions"
    );

    // Migrating again is a no-op on both.
    db::connect_and_migrate(&database.url)
        .await
        .expect("second migrate");
}

/// Exercises every storefront query on one backend.
async fn storage_behaves(pool: AnyPool) {
    let users = UserStore::new(pool.clone());
    let events = SecurityEvents::new(pool.clone());
    let email = Email::parse(&support::unique_email()).unwrap();
    let name = DisplayName::parse("Ada").unwrap();
    let created = users
        .create(
            &email,
            &name,
            Password::parse("correct horse battery".into()).unwrap(),
        )
        .await
        .unwrap();

    let again = users
        .create(
            &email,
            &name,
            Password::parse("another long password".into()).unwrap(),
        )
        .await;
    assert!(
        matches!(again, Err(UserStoreError::EmailTaken)),
        "duplicate email refused"
    );

    let found = users
        .find_by_email(&email)
        .await
        .unwrap()
        .expect("found by email");
    assert_eq!(found.id, created.id);
    assert_eq!(
        found.two_step_enrolled(),
        None,
        "never asked Authsignal yet"
    );
    assert!(users.find_by_id(&created.id).await.unwrap().is_some());
    assert!(users.find_by_id("usr_nobody").await.unwrap().is_none());

    users.set_two_step_enrolled(&created.id, true).await;
    assert_eq!(users.two_step_enrolled(&created.id).await, Some(true));
    assert_eq!(
        users
            .find_by_id(&created.id)
            .await
            .unwrap()
            .unwrap()
            .two_step_enrolled(),
        Some(true)
    );
    users.set_two_step_enrolled(&created.id, false).await;
    assert_eq!(users.two_step_enrolled(&created.id).await, Some(false));

    assert!(users
        .authenticate(email.as_str(), "correct horse battery".into())
        .await
        .unwrap()
        .is_some());
    assert!(users
        .authenticate(email.as_str(), "wrong".into())
        .await
        .unwrap()
        .is_none());

    for n in 0..(SHOWN + 2) {
        events
            .record(&created.id, EventKind::Launch, &format!("event {n}"))
            .await;
    }
    let latest = events.latest(&created.id).await.unwrap();
    assert_eq!(latest.len() as i64, SHOWN, "only the newest are shown");
    assert_eq!(
        latest[0].what,
        format!("event {}", SHOWN + 1),
        "newest first"
    );

    links_behave(&pool, &created.id).await;
    verification_codes_behave(&pool, &created.id, email.as_str()).await;
    let hash = users
        .hash_new_password(Password::parse("a brand new passphrase".into()).unwrap())
        .await
        .unwrap();
    users.set_password_hash(&created.id, &hash).await.unwrap();
    assert!(users
        .authenticate(email.as_str(), "a brand new passphrase".into())
        .await
        .unwrap()
        .is_some());
}

/// Mailed links: issued, peeked, used once, revoked.
async fn links_behave(pool: &AnyPool, user_id: &str) {
    use storefront::server::recovery::tokens::{self, LinkPurpose};
    let reset = tokens::issue(pool, user_id, LinkPurpose::ResetPassword)
        .await
        .unwrap();
    assert_eq!(reset.len(), 64);
    let peeked = tokens::peek(pool, &reset, LinkPurpose::ResetPassword)
        .await
        .unwrap();
    assert_eq!(peeked.as_deref(), Some(user_id));
    assert!(
        tokens::peek(pool, &reset, LinkPurpose::NotMe)
            .await
            .unwrap()
            .is_none(),
        "one purpose only"
    );
    assert!(tokens::peek(pool, "zz", LinkPurpose::ResetPassword)
        .await
        .unwrap()
        .is_none());
    let used = tokens::consume(pool, &reset, LinkPurpose::ResetPassword)
        .await
        .unwrap();
    assert_eq!(used.as_deref(), Some(user_id));
    assert!(
        tokens::consume(pool, &reset, LinkPurpose::ResetPassword)
            .await
            .unwrap()
            .is_none(),
        "once"
    );
    let other = tokens::issue(pool, user_id, LinkPurpose::ResetPassword)
        .await
        .unwrap();
    tokens::revoke_all(pool, user_id, LinkPurpose::ResetPassword)
        .await
        .unwrap();
    assert!(tokens::peek(pool, &other, LinkPurpose::ResetPassword)
        .await
        .unwrap()
        .is_none());
}

/// Email verification codes: a wrong try counted, the right code used once, the email marked
/// verified and its enrollment claimed by one request.
async fn verification_codes_behave(pool: &AnyPool, user_id: &str, email: &str) {
    use storefront::server::accounts::verify_email::codes::{self, Checked, Unusable};
    assert_eq!(codes::standing(pool, user_id).await.unwrap(), (None, None));
    let code = codes::issue(pool, user_id, email).await.unwrap();
    assert!(codes::last_issued_at(pool, user_id)
        .await
        .unwrap()
        .is_some());
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(
        codes::check(pool, user_id, wrong).await.unwrap(),
        Checked::Wrong { tries_left: 4 }
    );
    assert_eq!(
        codes::check(pool, user_id, &code).await.unwrap(),
        Checked::Right {
            email: email.to_string()
        }
    );
    assert_eq!(
        codes::check(pool, user_id, &code).await.unwrap(),
        Checked::Unusable(Unusable::Used)
    );
    assert!(codes::mark_verified(pool, user_id, email).await.unwrap());
    assert!(codes::claim_enrollment(pool, user_id).await.unwrap());
    assert!(
        !codes::claim_enrollment(pool, user_id).await.unwrap(),
        "one at a time"
    );
    codes::finish_enrollment(pool, user_id, true).await.unwrap();
    let (verified, enrolled) = codes::standing(pool, user_id).await.unwrap();
    assert!(verified.is_some() && enrolled.is_some());
}

#[tokio::test]
async fn every_query_works_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    storage_behaves(sqlite_pool(&dir).await).await;
}

#[tokio::test]
async fn every_query_works_on_postgres() {
    let database = support::postgres_database().await;
    storage_behaves(
        db::connect_and_migrate(&database.url)
            .await
            .expect("postgres"),
    )
    .await;
}

// Many identical instances behind a load balancer.

const SECRET: &str = "scale-out-secret";

async fn instance(database_url: &str, api_url: &str) -> TestApp {
    instance_with(database_url, api_url, &[]).await
}

async fn instance_with(database_url: &str, api_url: &str, extra: &[(&str, &str)]) -> TestApp {
    let redis = redis_url();
    let mut env = vec![
        ("DATABASE_URL", database_url),
        ("REDIS_URL", redis.as_str()),
        ("AUTHSIGNAL_SECRET_KEY", SECRET),
        ("AUTHSIGNAL_API_URL", api_url),
        // Redis' address counters are shared by every test (and run) from 127.0.0.1.
        ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "10000"),
        ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
    ];
    env.extend_from_slice(extra);
    spawn_app_sharing(Arc::new(tempfile::tempdir().expect("temp dir")), &env).await
}

#[tokio::test]
async fn a_customer_moves_between_instances_and_survives_a_restart_of_both() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let first = instance(&database.url, &sandbox.api_url).await;
    let second = instance(&database.url, &sandbox.api_url).await;

    // One browser: cookies are per host, not per port, so both instances see the same session.
    let browser = new_client();
    let email = unique_email();
    let signed_up = first
        .sign_up_with(&browser, &email, "Grace", PASSWORD)
        .await;
    assert_eq!(signed_up.status(), 303);
    assert_eq!(support::location(&signed_up), "/account");

    let on_second = second.get_with(&browser, "/account").await;
    assert_eq!(
        on_second.status(),
        200,
        "signed in on the second instance too"
    );
    let html = on_second.text().await.unwrap();
    assert!(
        html.contains(&email) && html.contains("Grace"),
        "same data on the second instance"
    );
    assert!(
        html.contains("Two-step sign-in is off"),
        "the shared sandbox answers the second instance"
    );

    // A launch on the second instance is pending in the shared session store.
    let launched = launch(&browser, &second).await;
    assert!(launched.starts_with(&sandbox.base()), "{launched}");

    first.stop().await;
    second.stop().await;
    let first = instance(&database.url, &sandbox.api_url).await;
    let second = instance(&database.url, &sandbox.api_url).await;

    for app in [&first, &second] {
        let response = app.get_with(&browser, "/account").await;
        assert_eq!(response.status(), 200, "still signed in after the restart");
        assert!(response.text().await.unwrap().contains(&email));
    }
    // The launch pending before the restart is still the one a second click reuses.
    let relaunched = launch(&browser, &first).await;
    assert_eq!(relaunched, launched);
}

/// `browser` was just served at `there`, so `there` has its session, and its customer's
/// security stamp, freshly read; an ending at `here` must still hold on its next request.
async fn assert_ended_there(there: &TestApp, browser: &reqwest::Client, ending: &str) {
    let response = there.get_with(browser, "/account").await;
    assert_eq!(
        response.status(),
        303,
        "{ending}: over at the other instance too"
    );
    assert!(
        support::location(&response).starts_with("/signin"),
        "{ending}"
    );
}

async fn signed_in_at(
    app: &TestApp,
    email: &str,
    password: &str,
    user_agent: &str,
) -> reqwest::Client {
    let browser = support::browser(user_agent);
    let response = app.sign_in_with(&browser, email, password).await;
    assert_eq!(support::location(&response), "/account");
    assert_eq!(app.account_page(&browser).await.status(), 200);
    browser
}

#[tokio::test]
async fn every_way_a_session_ends_is_final_at_once_on_every_instance() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let mail = MailServer::start().await;
    let smtp = [("STOREFRONT_SMTP_URL", mail.url())];
    let smtp: Vec<(&str, &str)> = smtp.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let here = instance_with(&database.url, &sandbox.api_url, &smtp).await;
    let there = instance_with(&database.url, &sandbox.api_url, &smtp).await;
    let email = unique_email();
    assert_eq!(
        support::location(&here.sign_up(&email, "Ada", PASSWORD).await),
        "/account"
    );

    // Sign-out.
    let browser = signed_in_at(&there, &email, PASSWORD, FIREFOX_LINUX).await;
    let response = browser.post(here.url("/signout")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_ended_there(&there, &browser, "sign-out").await;

    // "Sign out everywhere else".
    let other = signed_in_at(&there, &email, PASSWORD, FIREFOX_LINUX).await;
    let response = here
        .client
        .post(here.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_ended_there(&there, &other, "sign out everywhere else").await;
    assert_eq!(
        there.account_page(&here.client).await.status(),
        200,
        "the device that asked stays signed in"
    );

    // A password reset by email.
    let other = signed_in_at(&there, &email, PASSWORD, FIREFOX_LINUX).await;
    let response = new_client()
        .post(here.url("/forgot-password"))
        .form(&[("email", email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let letter = mail.wait_for(&email, "reset your password").await;
    let token = support::token_in(&letter.link(&here.url("/reset-password?token=")));
    let response = new_client()
        .post(here.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", NEW_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(support::location(&response), "/signin?reset=1");
    assert_ended_there(&there, &other, "a reset").await;
    assert_ended_there(&there, &here.client, "a reset").await;

    // "This wasn't me" on the receipt of a sign-in from a new browser.
    let intruder = signed_in_at(&here, &email, NEW_PASSWORD, CHROME_MAC).await;
    let receipt = mail
        .wait_for(&email, "new sign-in from Chrome on macOS")
        .await;
    let token = support::token_in(&receipt.link(&here.url("/not-me?token=")));
    assert_eq!(there.account_page(&intruder).await.status(), 200);
    let response = new_client()
        .post(here.url("/not-me"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_ended_there(&there, &intruder, "this wasn't me").await;
}

#[tokio::test]
async fn failed_sign_ins_are_counted_across_instances() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let apps = [
        instance(&database.url, &sandbox.api_url).await,
        instance(&database.url, &sandbox.api_url).await,
    ];
    let email = unique_email();
    apps[0].sign_up(&email, "Ada", PASSWORD).await;

    // Five wrong passwords, alternating instances: the shared Redis count reaches the limit.
    for n in 0..5 {
        let attacker = new_client();
        let response = apps[n % 2]
            .sign_in_with(&attacker, &email, "wrong password")
            .await;
        assert_eq!(response.status(), 303);
    }
    let customer = new_client();
    let response = apps[1].sign_in_with(&customer, &email, PASSWORD).await;
    assert!(
        support::location(&response).starts_with("/signin"),
        "blocked even with the right password"
    );
    let form = apps[1]
        .get_with(&customer, &support::location(&response))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("Too many failed sign-in attempts"), "{form}");
}

#[tokio::test]
async fn readiness_reports_postgres_and_redis() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let app = instance(&database.url, &sandbox.api_url).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["ready"], true);
    assert_eq!(report["database"]["backend"], "postgres");
    assert_eq!(report["sessions"]["backend"], "redis");
    assert_eq!(report["authsignal"]["ok"], true);
    let text = report.to_string();
    assert!(
        !text.contains(SECRET) && !text.contains("postgres://"),
        "no secrets or URLs in the report: {text}"
    );
}

#[tokio::test]
async fn without_redis_sessions_live_in_postgres_and_survive_a_restart() {
    let database = postgres_database().await;
    let sandbox = standalone_sandbox(SECRET).await;
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        ("AUTHSIGNAL_SECRET_KEY", SECRET),
        ("AUTHSIGNAL_API_URL", sandbox.api_url.as_str()),
    ];
    let first = spawn_app_sharing(Arc::new(tempfile::tempdir().unwrap()), &env).await;
    let report: Value = first.get("/readyz").await.json().await.unwrap();
    assert_eq!(report["sessions"]["backend"], "postgres");
    let email = unique_email();
    first.sign_up(&email, "Ada", PASSWORD).await;
    first.stop().await;

    let second = spawn_app_sharing(Arc::new(tempfile::tempdir().unwrap()), &env).await;
    let response = second.get_with(&first.client, "/account").await;
    assert_eq!(response.status(), 200, "the session outlived the instance");
    assert!(response.text().await.unwrap().contains(&email));
}
