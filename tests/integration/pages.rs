//! The shop's pages as a visitor gets them: the shop and its forms render, responses are
//! compressed when the browser accepts it, and viewing pages writes nothing to the database.

use crate::support;

use std::time::Duration;

use support::{spawn_app, unique_email, PASSWORD};

#[tokio::test]
async fn the_shop_and_forms_render() {
    let app = spawn_app().await;
    let home = app.get_html("/").await;
    assert!(home.contains("Sign in") && home.contains("Featured"));
    let signup = app.get_html("/signup").await;
    for label in [">Email<", ">Name<", ">Password<", "Create account"] {
        assert!(signup.contains(label), "sign-up page has {label}");
    }
    let signin = app.get_html("/signin").await;
    assert!(signin.contains(">Email<") && signin.contains(">Sign in<"));
    assert_eq!(app.get("/no-such-page").await.status(), 404);
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let plain = app.get("/").await;
    assert!(
        plain.headers().get("content-encoding").is_none(),
        "identity when not asked"
    );
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
    // Settled: the enrollment's webhooks (an authenticator may come with more than one) are
    // in the activity, their receipts in the mailbox, the mail worker is done with them (it
    // marks each message sent), and nothing more arrived for half a second.
    let settled = async {
        let mut last = None;
        loop {
            let unsent: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM outgoing_mail WHERE sent_at IS NULL")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            let html = app.get_html("/account").await;
            let mails = app.dev_mailbox(&email).await.len();
            let seen = (mails, html.matches("<li>").count());
            if html.contains("Added Email") && mails > 0 && unsent == 0 && last == Some(seen) {
                break;
            }
            last = Some(seen);
            tokio::time::sleep(Duration::from_millis(500)).await;
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
