//! Sessions: the cookie (HttpOnly, Lax; Secure and `__Host-` over https), a new id at each
//! sign-in, a sign-out that stays final on every store, the thirty-day limit, the security
//! stamp, and the signed-in devices a customer sees and ends.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::{
    browser, location, new_client, postgres_database, redis_url, session_cookie, spawn_app,
    spawn_app_sharing, spawn_app_with, spawn_app_with_test_hooks, unique_email, TestApp,
    FIREFOX_LINUX, PASSWORD,
};

// Signing out.

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    app.sign_up(&unique_email(), "Alan", PASSWORD).await;
    assert_eq!(app.get("/account").await.status(), 200);

    let response = app.post_form("/signout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/");
    assert_eq!(app.get("/account").await.status(), 303);
}

#[tokio::test]
async fn a_session_cookie_is_useless_after_sign_out() {
    let app = spawn_app().await;
    let signed_up = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let old = session_cookie(&signed_up).expect("session cookie issued at sign-up");
    app.post_form("/signout", &[]).await;

    let replay = new_client()
        .get(app.url("/account"))
        .header("cookie", &old)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        303,
        "the old session id no longer signs anyone in"
    );
    assert!(location(&replay).starts_with("/signin"));
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

// The cookie and its id.

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    let response = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("storefront_session="))
        .expect("session cookie");
    assert!(cookie.starts_with("storefront_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http in development");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_site_is_https() {
    let app = support::spawn_public_app("https://shop.example.com").await;
    let response = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"));
}

#[tokio::test]
async fn over_https_the_session_cookie_cannot_be_planted_by_a_sibling_subdomain() {
    let app = support::spawn_public_app("https://shop.example.com").await;
    let response = app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("storefront_session="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.starts_with("__Host-storefront_session="), "{cookie}");
    let attributes = cookie.to_ascii_lowercase();
    assert!(
        attributes.contains("; secure") && attributes.contains("; path=/"),
        "{cookie}"
    );
    assert!(!attributes.contains("domain="), "{cookie}");
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    app.post_form("/signout", &[]).await;

    // Signed in once, then again on the same browser: the id changes each time.
    let before = session_cookie(&app.sign_in(&email, PASSWORD).await).expect("a session cookie");
    let after = session_cookie(&app.sign_in(&email, PASSWORD).await).expect("a session cookie");
    assert_ne!(before, after);

    // The earlier id is not signed in any more.
    let stale = new_client();
    let response = stale
        .get(app.url("/account"))
        .header("cookie", before)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}

// How long a session lasts: thirty days at most, and not past a change of security stamp.

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
async fn a_session_under_an_old_security_stamp_is_signed_out_on_its_next_request() {
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    assert_eq!(app.get("/account").await.status(), 200);
    // Another instance's reset rotated the stamp; its sweep has not reached this session.
    app.user_store()
        .await
        .rotate_security_stamp(&user_id)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = app.get("/account").await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/signin"));
}

#[tokio::test]
async fn sessions_from_before_a_reset_are_swept_by_their_stamp() {
    use storefront::server::sessions::store::SessionBackend;
    let app = spawn_app().await;
    let email = unique_email();
    app.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = app.user_id(&email).await;
    let early = browser(FIREFOX_LINUX);
    app.sign_in_with(&early, &email, PASSWORD).await;
    // The stamp changes (as a reset does) and a sign-in under the new one follows.
    let stamp = app
        .user_store()
        .await
        .rotate_security_stamp(&user_id)
        .await
        .unwrap();
    let later = browser(FIREFOX_LINUX);
    app.sign_in_with(&later, &email, PASSWORD).await;

    let sessions = SessionBackend::connect(&app.sqlite_url(), None)
        .await
        .unwrap();
    let ended = sessions
        .end_sessions_with_stale_stamp(&user_id, &stamp)
        .await
        .unwrap();
    assert_eq!(ended, 2, "the sign-up's and the early sign-in's");
    assert_eq!(app.account_page(&early).await.status(), 303);
    assert_eq!(app.account_page(&app.client).await.status(), 303);
    assert_eq!(app.account_page(&later).await.status(), 200);
}

// Signed-in devices.
/// Two browsers of one customer: each sees both sessions, the current one marked; one ends
/// the other, then everywhere else.
async fn devices_are_listed_and_ended(app: &TestApp) {
    let email = unique_email();
    let first = browser("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");
    let response = app.sign_up_with(&first, &email, "Ada", PASSWORD).await;
    assert_eq!(location(&response), "/account");
    let second = browser(FIREFOX_LINUX);
    assert_eq!(
        location(&app.sign_in_with(&second, &email, PASSWORD).await),
        "/account"
    );
    // The new browser's receipt is queued in this backend's database.
    let kept = app.dev_mailbox(&email).await;
    assert!(
        kept.iter().any(|m| m["subject"]
            .as_str()
            .unwrap()
            .contains("new sign-in from Firefox on Linux")),
        "{kept:?}"
    );

    let html = app.account_page(&first).await.text().await.unwrap();
    assert!(html.contains("Signed-in devices"));
    assert!(html.contains("Chrome on macOS") && html.contains("Firefox on Linux"));
    assert_eq!(html.matches("This device").count(), 1);
    assert!(html.contains("127.0.0.x"));
    assert!(html.contains("Sign out everywhere else"));
    let handle = support::form_value(&html, "device");

    let response = first
        .post(app.url("/account/devices/sign-out"))
        .form(&[("device", handle.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let html = app.account_page(&first).await.text().await.unwrap();
    assert!(html.contains("Firefox on Linux was signed out."));
    assert!(!html.contains("Sign out everywhere else"));
    assert_eq!(
        app.account_page(&second).await.status(),
        303,
        "the other browser is signed out"
    );
    // Naming a session by a made-up or foreign handle ends nothing.
    let response = first
        .post(app.url("/account/devices/sign-out"))
        .form(&[("device", "0123456789abcdef01234567")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(app.account_page(&first).await.status(), 200);

    app.sign_in_with(&second, &email, PASSWORD).await;
    let third = browser(FIREFOX_LINUX);
    app.sign_in_with(&third, &email, PASSWORD).await;
    let response = first
        .post(app.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let html = app.account_page(&first).await.text().await.unwrap();
    assert!(html.contains("2 other devices were signed out."), "{html}");
    assert_eq!(app.account_page(&second).await.status(), 303);
    assert_eq!(app.account_page(&third).await.status(), 303);
    assert_eq!(
        app.account_page(&first).await.status(),
        200,
        "this device stays signed in"
    );
    // A signed-out browser's own session drops out of the list.
    first.post(app.url("/signout")).send().await.unwrap();
    let again = browser(FIREFOX_LINUX);
    app.sign_in_with(&again, &email, PASSWORD).await;
    let html = app.account_page(&again).await.text().await.unwrap();
    assert!(
        html.contains("This is the only device signed in to your account."),
        "{html}"
    );
    assert_eq!(html.matches("This device").count(), 1);
}

#[tokio::test]
async fn signed_in_devices_on_sqlite_postgres_and_redis() {
    devices_are_listed_and_ended(&spawn_app().await).await;

    let database = postgres_database().await;
    let postgres = spawn_app_sharing(
        Arc::new(tempfile::tempdir().unwrap()),
        &[("DATABASE_URL", database.url.as_str())],
    )
    .await;
    devices_are_listed_and_ended(&postgres).await;

    let redis = redis_url();
    let with_redis = spawn_app_sharing(
        Arc::new(tempfile::tempdir().unwrap()),
        &[
            ("REDIS_URL", redis.as_str()),
            ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "10000"),
            ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
        ],
    )
    .await;
    devices_are_listed_and_ended(&with_redis).await;
}

#[tokio::test]
async fn sessions_stored_before_the_index_existed_are_indexed_at_start() {
    let first = spawn_app().await;
    let email = unique_email();
    first.sign_up(&email, "Ada", PASSWORD).await;
    first.stop().await;
    // As after an upgrade from a version without the index: sessions it does not know.
    let pool = sqlx::SqlitePool::connect(&first.sqlite_url())
        .await
        .unwrap();
    sqlx::query("DELETE FROM session_owners")
        .execute(&pool)
        .await
        .unwrap();
    let second = spawn_app_sharing(first.data.clone(), &[]).await;
    let other = browser(FIREFOX_LINUX);
    second.sign_in_with(&other, &email, PASSWORD).await;
    let html = second.account_page(&other).await.text().await.unwrap();
    assert!(
        html.contains("Sign out everywhere else"),
        "the older session is listed"
    );
    other
        .post(second.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        second.account_page(&first.client).await.status(),
        303,
        "and it was ended"
    );
}

#[tokio::test]
async fn a_short_inactivity_timeout_keeps_an_active_customer_signed_in() {
    let app = spawn_app_with(&[("STOREFRONT_SESSION_INACTIVITY_MINUTES", "1")]).await;
    app.sign_up(&unique_email(), "Ada", PASSWORD).await;
    // Active every 35 s for 70 s: longer than the timeout, never idle for as long.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_secs(35)).await;
        let response = app.get("/account").await;
        assert_eq!(response.status(), 200, "still signed in");
    }
}

#[tokio::test]
async fn redis_sessions_from_before_the_index_are_listed_and_ended_after_a_restart() {
    let redis = support::redis_url();
    let settings = [
        ("REDIS_URL", redis.as_str()),
        ("STOREFRONT_SIGN_IN_FAILURES_PER_IP", "10000"),
        ("STOREFRONT_SIGN_UPS_PER_IP", "10000"),
    ];
    let first = spawn_app_with(&settings).await;
    let email = unique_email();
    first.sign_up(&email, "Ada", PASSWORD).await;
    let user_id = first.user_id(&email).await;
    first.stop().await;
    // As a session written before the index existed: in Redis, but in no customer's set.
    support::redis_del(&format!("storefront:sessions-of:{user_id}")).await;

    let second = support::spawn_app_sharing(first.data.clone(), &settings).await;
    let other = new_client();
    other
        .post(second.url("/signin"))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/account"),
        ])
        .send()
        .await
        .unwrap();
    let html = other
        .get(second.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Sign out everywhere else"),
        "the older session is listed"
    );
    other
        .post(second.url("/account/devices/sign-out-others"))
        .send()
        .await
        .unwrap();
    let old = first
        .client
        .get(second.url("/account"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303, "and it was ended");
}
