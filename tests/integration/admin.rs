//! Black-box tests of `storefront admin …`: the built binary against a standalone sandbox
//! (in-process, on a free port) and a fresh storefront database per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use authsignal_sandbox::{Sandbox, SandboxConfig};
use sqlx::{AnyPool, SqlitePool};
use storefront::domain::{DisplayName, Email, Password};
use storefront::server::{db, users::UserStore};

const SECRET: &str = "admin-test-secret";

/// A sandbox, a storefront database with customers in it, and the CLI pointed at both.
struct World {
    dir: tempfile::TempDir,
    api_url: String,
    storefront: AnyPool,
    sandbox: SqlitePool,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sandbox_url = format!("sqlite://{}/sandbox.db?mode=rwc", dir.path().display());
    let sandbox = Sandbox::start(SandboxConfig {
        secret_key: SECRET.into(),
        public_url: format!("http://127.0.0.1:{port}"),
        database_url: sandbox_url.clone(),
        test_hooks: false,
        actions: Default::default(),
    })
    .await
    .expect("sandbox");
    tokio::spawn(async move { axum::serve(listener, sandbox.router()).await });
    let storefront = db::connect_and_migrate(&format!(
        "sqlite://{}/storefront.db?mode=rwc",
        dir.path().display()
    ))
    .await
    .expect("storefront db");
    let sandbox = SqlitePool::connect(&sandbox_url).await.expect("sandbox db");
    World {
        api_url: format!("http://127.0.0.1:{port}/v1"),
        dir,
        storefront,
        sandbox,
    }
}

impl World {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_storefront"));
        command
            .arg("admin")
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("STOREFRONT_BASE_URL")
            .env("STOREFRONT_DATA_DIR", self.dir.path())
            .env("AUTHSIGNAL_SECRET_KEY", SECRET)
            .env("AUTHSIGNAL_API_URL", &self.api_url)
            // The machine is shared with other builds; don't fail rows on a slow moment.
            .env("AUTHSIGNAL_TIMEOUT_MS", "20000")
            .env("RUST_LOG", "info")
            .env("USER", "support-tester")
            .stdin(Stdio::null());
        command
    }

    /// Runs the CLI to completion off the runtime, so the in-process sandbox keeps serving.
    async fn admin(&self, args: &[&str]) -> Run {
        let mut command = self.command(args);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run storefront");
        Run::from(output)
    }

    /// A customer made the way sign-up makes them.
    async fn customer(&self, email: &str) -> String {
        let store = UserStore::new(self.storefront.clone());
        let user = store
            .create(
                &Email::parse(email).expect("email"),
                &DisplayName::parse("Test Customer").expect("name"),
                Password::parse("correct horse battery".into()).expect("password"),
            )
            .await
            .expect("create customer");
        user.id
    }

    /// Many customers at once, without hashing a password for each (too slow in debug).
    async fn bulk_customers(&self, emails: &[String]) {
        let mut tx = self.storefront.begin().await.expect("begin");
        for (n, email) in emails.iter().enumerate() {
            sqlx::query("INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, $2, 'Imported', 'x', '2026-11-23T00:00:00Z')")
                .bind(format!("usr_bulk{n:05}"))
                .bind(email)
                .execute(&mut *tx)
                .await
                .expect("insert customer");
        }
        tx.commit().await.expect("commit");
    }

    async fn authenticators(&self, user_id: &str) -> Vec<(String, Option<String>, Option<String>)> {
        sqlx::query_as("SELECT verification_method, email, phone_number FROM authenticators WHERE user_id = ? ORDER BY created_at")
            .bind(user_id)
            .fetch_all(&self.sandbox)
            .await
            .expect("sandbox authenticators")
    }

    async fn authenticator_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM authenticators")
            .fetch_one(&self.sandbox)
            .await
            .expect("count")
    }

    async fn distinct_authenticator_count(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT DISTINCT user_id, verification_method, email, phone_number FROM authenticators)",
        )
        .fetch_one(&self.sandbox)
        .await
        .expect("count")
    }

    /// The customer's security activity entries written by the CLI, oldest first.
    async fn admin_activity(&self, user_id: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT detail FROM security_events WHERE user_id = $1 AND kind = 'admin' ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.storefront)
        .await
        .expect("activity")
    }

    fn write_csv(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write csv");
        path
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The lines that are not log records: what the operator is told.
    fn messages(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.contains(" INFO ") && !l.contains(" WARN "))
            .collect()
    }

    fn failed_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("line "))
            .collect()
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The counts from an import's summary line.
fn counts(run: &Run) -> (usize, usize, usize) {
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("failed"))
        .unwrap_or_else(|| panic!("no summary: {run:?}"));
    let after = |word: &str| -> usize {
        let rest = &line[line
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {line}"))
            + word.len()..];
        rest.trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or("")
            .parse()
            .expect("a count")
    };
    (after("enrolled"), after("skipped"), after("failed"))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticators_are_listed_as_a_table_and_as_json() {
    let world = world().await;
    let user_id = world.customer("ada@example.com").await;

    let empty = world
        .admin(&["authenticators", "--email", "ada@example.com"])
        .await;
    assert_eq!(empty.code, 0, "{empty:?}");
    assert!(empty.stdout.contains("has no authenticators"), "{empty:?}");

    assert_eq!(
        world
            .admin(&["enroll-verified", "--email", "ada@example.com"])
            .await
            .code,
        0
    );
    assert_eq!(
        world
            .admin(&[
                "enroll-verified",
                "--email",
                "ada@example.com",
                "--sms",
                "+14155550123"
            ])
            .await
            .code,
        0
    );

    let table = world
        .admin(&["authenticators", "--email", "Ada@Example.com"])
        .await;
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("METHOD") && lines[0].contains("LAST USED"),
        "{table:?}"
    );
    assert_eq!(lines.len(), 3, "{table:?}");
    assert!(table.stdout.contains("Email") && table.stdout.contains("ada@example.com"));
    assert!(table.stdout.contains("SMS") && table.stdout.contains("+14155550123"));

    let json = world
        .admin(&["authenticators", "--email", "ada@example.com", "--json"])
        .await;
    assert_eq!(json.code, 0, "{json:?}");
    let body: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("stdout is JSON, logs go to stderr");
    assert_eq!(body["userId"], user_id.as_str());
    let methods: Vec<&str> = body["authenticators"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["verificationMethod"].as_str())
        .collect();
    assert_eq!(methods, ["EMAIL_OTP", "SMS"]);
    assert!(body["authenticators"][0]["userAuthenticatorId"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_verified_enrolls_once_and_records_it_in_the_customers_activity() {
    let world = world().await;
    let user_id = world.customer("grace@example.com").await;

    let sms = world
        .admin(&[
            "enroll-verified",
            "--email",
            "grace@example.com",
            "--sms",
            "+1 (415) 555-0199",
            "--reason",
            "verified on call 42",
        ])
        .await;
    assert_eq!(sms.code, 0, "{sms:?}");
    assert!(sms.stdout.contains("Enrolled SMS +14155550199"), "{sms:?}");
    assert!(
        sms.stderr
            .contains("admin: enrolled a verified authenticator"),
        "the action is logged: {sms:?}"
    );
    assert!(
        !sms.stderr.contains("+14155550199"),
        "the log masks the number: {sms:?}"
    );

    let again = world
        .admin(&[
            "enroll-verified",
            "--email",
            "grace@example.com",
            "--sms",
            "+14155550199",
        ])
        .await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("already has SMS +14155550199"),
        "{again:?}"
    );

    let link = world
        .admin(&[
            "enroll-verified",
            "--email",
            "grace@example.com",
            "--method",
            "email-magic-link",
        ])
        .await;
    assert_eq!(link.code, 0, "{link:?}");

    assert_eq!(
        world.authenticators(&user_id).await,
        vec![
            ("SMS".to_string(), None, Some("+14155550199".to_string())),
            (
                "EMAIL_MAGIC_LINK".to_string(),
                Some("grace@example.com".to_string()),
                None
            ),
        ]
    );
    assert_eq!(
        world.admin_activity(&user_id).await,
        [
            "Support enrolled SMS +14155550199 (reason: verified on call 42)",
            "Support enrolled Email link grace@example.com"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_verified_refuses_unknown_customers_and_malformed_addresses() {
    let world = world().await;
    world.customer("ada@example.com").await;

    for (args, code, says) in [
        (
            vec!["--email", "nobody@example.com"],
            1,
            "error: no customer with email nobody@example.com",
        ),
        (
            vec!["--email", "not-an-email"],
            1,
            "error: \"not-an-email\" is not a valid email address",
        ),
        (
            vec!["--email", "ada@example.com", "--sms", "555-0100"],
            1,
            "is not a phone number in E.164 form",
        ),
        (
            vec!["--email", "ada@example.com", "--method", "sms"],
            2,
            "error: --method sms needs --sms +E164",
        ),
        (
            vec![
                "--email",
                "ada@example.com",
                "--method",
                "email",
                "--sms",
                "+14155550123",
            ],
            2,
            "error: --sms goes with --method sms only",
        ),
        (
            vec!["--email", "ada@example.com", "--method", "passkey"],
            2,
            "invalid value 'passkey'",
        ),
    ] {
        let mut all = vec!["enroll-verified"];
        all.extend(args);
        let run = world.admin(&all).await;
        assert_eq!(run.code, code, "{all:?}: {run:?}");
        assert!(run.stderr.contains(says), "{all:?}: {run:?}");
    }
    let unknown = world
        .admin(&["enroll-verified", "--email", "nobody@example.com"])
        .await;
    assert_eq!(
        unknown.messages(),
        ["error: no customer with email nobody@example.com"],
        "one clear line"
    );
    assert_eq!(world.authenticator_count().await, 0, "nothing was enrolled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_authenticator_refuses_the_last_one_unless_forced_and_then_warns() {
    let world = world().await;
    let user_id = world.customer("lin@example.com").await;
    world
        .admin(&["enroll-verified", "--email", "lin@example.com"])
        .await;
    world
        .admin(&[
            "enroll-verified",
            "--email",
            "lin@example.com",
            "--sms",
            "+14155550111",
        ])
        .await;
    let ids: Vec<(String, String)> =
        sqlx::query_as("SELECT authenticator_id, verification_method FROM authenticators WHERE user_id = ? ORDER BY created_at")
            .bind(&user_id)
            .fetch_all(&world.sandbox)
            .await
            .expect("ids");
    let (email_id, sms_id) = (ids[0].0.as_str(), ids[1].0.as_str());

    let unknown = world
        .admin(&[
            "remove-authenticator",
            "--email",
            "lin@example.com",
            "--id",
            "no-such-id",
        ])
        .await;
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .contains("has no authenticator with id \"no-such-id\""),
        "{unknown:?}"
    );

    let sms = world
        .admin(&[
            "remove-authenticator",
            "--email",
            "lin@example.com",
            "--id",
            sms_id,
            "--reason",
            "phone reported stolen",
        ])
        .await;
    assert_eq!(sms.code, 0, "{sms:?}");
    assert!(sms.stdout.contains("Removed SMS +14155550111"), "{sms:?}");

    let last = world
        .admin(&[
            "remove-authenticator",
            "--email",
            "lin@example.com",
            "--id",
            email_id,
        ])
        .await;
    assert_eq!(last.code, 1, "{last:?}");
    assert!(
        last.stderr.contains("is the last authenticator") && last.stderr.contains("--force"),
        "{last:?}"
    );
    assert_eq!(
        world.authenticators(&user_id).await.len(),
        1,
        "the guard kept it"
    );

    let forced = world
        .admin(&[
            "remove-authenticator",
            "--email",
            "lin@example.com",
            "--id",
            email_id,
            "--force",
            "--reason",
            "account recovery",
        ])
        .await;
    assert_eq!(forced.code, 0, "{forced:?}");
    assert!(
        forced
            .stderr
            .contains("warning: lin@example.com now has no authenticators"),
        "{forced:?}"
    );
    assert!(forced.stderr.contains("locked out"), "{forced:?}");
    assert!(world.authenticators(&user_id).await.is_empty());

    assert_eq!(
        world.admin_activity(&user_id).await[2..],
        [
            "Support removed SMS +14155550111 (reason: phone reported stolen)".to_string(),
            "Support removed Email lin@example.com (reason: account recovery)".to_string(),
        ]
    );
}

/// 1,000 rows; every 50 rows one malformed email, one unknown customer and one bad phone.
fn thousand_rows() -> (Vec<String>, String) {
    let mut customers = Vec::new();
    let mut csv = String::from("email,phone\n");
    for i in 1..=1000 {
        match i % 50 {
            7 => csv.push_str(&format!("not-an-email-{i},\n")),
            19 => csv.push_str(&format!("ghost{i}@example.com,\n")),
            33 => {
                customers.push(format!("c{i}@example.com"));
                csv.push_str(&format!("c{i}@example.com,555-0100\n"));
            }
            _ => {
                customers.push(format!("c{i}@example.com"));
                let phone = if i % 2 == 0 {
                    format!("+1415{i:07}")
                } else {
                    String::new()
                };
                csv.push_str(&format!("c{i}@example.com,{phone}\n"));
            }
        }
    }
    (customers, csv)
}

const VALID_ROWS: usize = 940;
const BAD_ROWS: usize = 60;
/// Every valid row enrolls its email; the 500 even rows (all valid) their phone too.
const AUTHENTICATORS: i64 = 940 + 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_1000_rows_counts_exactly_and_a_second_run_enrolls_nothing() {
    let world = world().await;
    let (customers, csv) = thousand_rows();
    world.bulk_customers(&customers).await;
    let file = world.write_csv("migration.csv", &csv);

    let started = Instant::now();
    let first = world.admin(&["import", path_str(&file)]).await;
    let elapsed = started.elapsed();
    assert_eq!(
        first.code, 1,
        "failed rows make the exit code non-zero: {first:?}"
    );
    assert_eq!(counts(&first), (VALID_ROWS, 0, BAD_ROWS), "{first:?}");
    assert_eq!(world.authenticator_count().await, AUTHENTICATORS);
    eprintln!(
        "import throughput: 1000 rows ({AUTHENTICATORS} authenticators) in {:.2}s = {:.0} rows/s end to end; the CLI says: {}",
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64(),
        first.stdout.trim()
    );

    let failed = first.failed_lines();
    assert_eq!(failed.len(), BAD_ROWS, "{failed:#?}");
    // Row i is on line i + 1 (the header is line 1); failures are listed in line order.
    assert_eq!(failed[0], "line 8: malformed email \"not-an-email-7\"");
    assert_eq!(failed[1], "line 20: unknown customer ghost19@example.com");
    assert!(
        failed[2].starts_with("line 34: bad phone: \"555-0100\""),
        "{}",
        failed[2]
    );
    assert!(
        failed
            .last()
            .is_some_and(|l| l.starts_with("line 984: bad phone")),
        "{failed:?}"
    );
    assert_eq!(
        first
            .stderr
            .matches("admin: enrolled a verified authenticator")
            .count(),
        AUTHENTICATORS as usize
    );

    let activity = world.admin_activity("usr_bulk00001").await; // c2@example.com, an even row
    assert_eq!(
        activity,
        [
            "Support enrolled Email c2@example.com (reason: import of migration.csv)",
            "Support enrolled SMS +14150000002 (reason: import of migration.csv)"
        ]
    );

    let second = world.admin(&["import", path_str(&file)]).await;
    assert_eq!(second.code, 1, "{second:?}");
    assert_eq!(counts(&second), (0, VALID_ROWS, BAD_ROWS), "{second:?}");
    assert_eq!(
        world.authenticator_count().await,
        AUTHENTICATORS,
        "nothing enrolled twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_import_is_finished_by_running_it_again() {
    let world = world().await;
    let (customers, csv) = thousand_rows();
    world.bulk_customers(&customers).await;
    let file = world.write_csv("migration.csv", &csv);

    // One row at a time, so the interrupt lands part-way.
    let child = world
        .command(&["import", path_str(&file), "--concurrency", "1"])
        // Nobody reads the pipes until it exits: keep stderr small enough not to fill one.
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn import");
    let deadline = Instant::now() + Duration::from_secs(60);
    while world.authenticator_count().await < 100 {
        assert!(Instant::now() < deadline, "the import never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupt.success());
    let first = Run::from(
        tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("join")
            .expect("wait"),
    );
    assert_eq!(first.code, 130, "{first:?}");
    assert!(first.stdout.contains("interrupted after"), "{first:?}");
    let (enrolled_before, skipped_before, failed_before) = counts(&first);
    assert_eq!(skipped_before, 0);
    assert!(
        enrolled_before + failed_before < 1000,
        "stopped part-way: {first:?}"
    );
    let partial = world.authenticator_count().await;
    assert!(partial < AUTHENTICATORS);

    let rest = world.admin(&["import", path_str(&file)]).await;
    assert_eq!(rest.code, 1, "{rest:?}");
    let (enrolled, skipped, failed) = counts(&rest);
    assert_eq!(failed, BAD_ROWS);
    assert_eq!(enrolled + skipped, VALID_ROWS, "{rest:?}");
    assert_eq!(
        enrolled,
        VALID_ROWS - enrolled_before,
        "only the rest is enrolled: {rest:?}"
    );
    assert_eq!(world.authenticator_count().await, AUTHENTICATORS);
    assert_eq!(
        world.distinct_authenticator_count().await,
        AUTHENTICATORS,
        "no duplicates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_loses_nothing_and_a_rerun_completes_it() {
    let world = world().await;
    let (customers, csv) = thousand_rows();
    world.bulk_customers(&customers).await;
    let file = world.write_csv("migration.csv", &csv);

    let mut child = world
        .command(&["import", path_str(&file)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(60);
    while world.authenticator_count().await < 200 {
        assert!(Instant::now() < deadline, "the import never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        world.authenticator_count().await < AUTHENTICATORS,
        "killed part-way"
    );

    let rest = world
        .admin(&["import", path_str(&file), "--concurrency", "16"])
        .await;
    let (enrolled, skipped, failed) = counts(&rest);
    assert_eq!(
        (enrolled + skipped, failed),
        (VALID_ROWS, BAD_ROWS),
        "{rest:?}"
    );
    assert!(skipped > 0, "what the killed run did is skipped: {rest:?}");
    assert_eq!(world.authenticator_count().await, AUTHENTICATORS);
    assert_eq!(
        world.distinct_authenticator_count().await,
        AUTHENTICATORS,
        "no duplicates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_and_changes_nothing() {
    let world = world().await;
    let user_id = world.customer("ada@example.com").await;
    let file = world.write_csv(
        "few.csv",
        "Email,Name,Phone\nada@example.com,Ada,+14155550123\nADA@example.com,Ada again,+1 415 555 0123\nghost@example.com,,\n",
    );

    let dry = world.admin(&["import", path_str(&file), "--dry-run"]).await;
    assert_eq!(dry.code, 1, "{dry:?}");
    assert!(dry.stdout.contains("dry run few.csv: 3 rows — would enroll 2, would skip 0, failed 1 (would add 4 authenticators)"), "{dry:?}");
    assert!(dry.stdout.contains("nothing was changed"));
    assert_eq!(world.authenticator_count().await, 0);
    assert!(world.admin_activity(&user_id).await.is_empty());

    // The same contacts twice: one customer's rows run one at a time, so the second one skips.
    let real = world.admin(&["import", path_str(&file)]).await;
    assert_eq!(counts(&real), (1, 1, 1), "{real:?}");
    assert_eq!(world.authenticators(&user_id).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_and_file_problems_exit_2_with_one_line() {
    let world = world().await;

    let unknown = world
        .admin(&["authenticators", "--email", "a@example.com"])
        .await;
    assert_eq!(
        unknown.code, 1,
        "an unknown customer is a refusal, not a usage error: {unknown:?}"
    );

    let mut command = world.command(&["authenticators", "--email", "a@example.com"]);
    command.env("AUTHSIGNAL_API_URL", "not a url");
    let run = Run::from(
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run"),
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.messages(), ["error: invalid configuration: AUTHSIGNAL_API_URL: must be an http(s) URL such as https://api.authsignal.com/v1"]);

    let missing = world.admin(&["import", "/nonexistent/contacts.csv"]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
    let no_email = world
        .admin(&[
            "import",
            path_str(&world.write_csv("x.csv", "name,phone\nAda,+14155550123\n")),
        ])
        .await;
    assert_eq!(no_email.code, 2, "{no_email:?}");
    assert!(
        no_email.stderr.contains("has no `email` column"),
        "{no_email:?}"
    );

    let usage = world
        .admin(&["remove-authenticator", "--email", "a@example.com"])
        .await;
    assert_eq!(usage.code, 2, "{usage:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_embedded_mode_the_cli_points_at_the_running_storefront() {
    let world = world().await;
    world.customer("ada@example.com").await;
    // Nothing listens on this port: the storefront (and so its embedded sandbox) isn't running.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut command = world.command(&["authenticators", "--email", "ada@example.com"]);
    command
        .env_remove("AUTHSIGNAL_SECRET_KEY")
        .env_remove("AUTHSIGNAL_API_URL")
        .env("STOREFRONT_BASE_URL", format!("http://127.0.0.1:{closed}"));
    let run = Run::from(
        tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run"),
    );
    assert_eq!(run.code, 1, "{run:?}");
    let messages = run.messages();
    assert_eq!(messages.len(), 1, "{run:?}");
    assert!(
        messages[0].contains(&format!("127.0.0.1:{closed}"))
            && messages[0].contains("running storefront"),
        "{run:?}"
    );
}
