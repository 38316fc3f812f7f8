//! The same storefront storage on SQLite and on Postgres: the two migration sets stay in step,
//! and every query behaves the same on both.

use crate::support;

use std::collections::BTreeSet;

use sqlx::AnyPool;
use storefront::domain::{DisplayName, Email, Password};
use storefront::server::activity::log::{EventKind, SecurityEvents, SHOWN};
use storefront::server::db::{self, Backend};
use storefront::server::users::{UserStore, UserStoreError};

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
