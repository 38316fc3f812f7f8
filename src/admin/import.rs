//! `admin import FILE.csv`: enroll verified contacts in bulk (a migration from another
//! provider, say). Idempotent — what a customer already has is skipped — so an interrupted
//! import is finished by running it again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{future, stream, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::admin::contact::{Contact, PhoneNumber};
use crate::admin::context::{one_line_reason, Admin, Failure};
use crate::admin::{logging, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};
use crate::domain::Email;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV with a header row: `email` (the customer, enrolled for email codes) and optionally
    /// `phone` (E.164, enrolled for SMS). Other columns are ignored.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// Check every row and report what would be enrolled, changing nothing.
    #[arg(long)]
    dry_run: bool,
    /// Rows worked on at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Why, shown in each customer's security activity [default: "import of FILE.csv"].
    #[arg(long)]
    reason: Option<String>,
}

/// One data row, numbered as a text editor would show it.
#[derive(Debug)]
struct Row {
    line: u64,
    fields: Result<(String, Option<String>), String>,
}

#[derive(Debug)]
enum RowOutcome {
    /// This many authenticators were (or, in a dry run, would be) enrolled.
    Enrolled(usize),
    /// Everything in the row was already enrolled.
    Skipped,
    Failed(String),
}

#[derive(Debug, Default)]
struct Summary {
    enrolled: usize,
    skipped: usize,
    failed: Vec<(u64, String)>,
    authenticators: usize,
}

pub(crate) async fn run(admin: &Admin, args: Args) -> Result<u8, Failure> {
    let rows = read_rows(&args.file)?;
    let reason = one_line_reason(args.reason.clone())
        .unwrap_or_else(|| format!("import of {}", file_name(&args.file)));
    tracing::info!(operator = %admin.operator, file = %args.file.display(), rows = rows.len(), dry_run = args.dry_run, "admin: import started");

    let bar = progress_bar(rows.len() as u64);
    logging::show_bar(Some(bar.clone()));
    let interrupted = Arc::new(AtomicBool::new(false));
    let watcher = watch_for_interrupt(interrupted.clone());
    let customer_locks = CustomerLocks::default();
    let started = Instant::now();

    let total = rows.len();
    let dry_run = args.dry_run;
    let outcomes: Vec<(u64, RowOutcome)> = stream::iter(rows)
        // An interrupt stops new rows from starting; rows in flight finish and are counted.
        .take_while(|_| future::ready(!interrupted.load(Ordering::SeqCst)))
        .map(|row| {
            let (bar, locks, reason) = (&bar, &customer_locks, reason.as_str());
            async move {
                let line = row.line;
                let outcome = import_row(admin, locks, row, dry_run, reason).await;
                bar.inc(1);
                (line, outcome)
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;

    watcher.abort();
    bar.finish_and_clear();
    logging::show_bar(None);
    let elapsed = started.elapsed();
    let was_interrupted = interrupted.load(Ordering::SeqCst) && outcomes.len() < total;

    let summary = summarise(outcomes);
    for (line, reason) in &summary.failed {
        eprintln!("line {line}: {reason}");
    }
    println!(
        "{}",
        summary_line(&args, &summary, total, elapsed, was_interrupted)
    );
    tracing::info!(
        operator = %admin.operator, file = %args.file.display(), enrolled = summary.enrolled, skipped = summary.skipped,
        failed = summary.failed.len(), interrupted = was_interrupted, dry_run = args.dry_run, "admin: import finished"
    );
    Ok(if was_interrupted {
        EXIT_INTERRUPTED
    } else if summary.failed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// Reads the whole file first, so the progress bar knows the total and a missing column is
/// reported before anything changes.
fn read_rows(file: &Path) -> Result<Vec<Row>, Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let headers = reader.headers().map_err(|e| {
        Failure::Usage(format!(
            "cannot read the header row of {}: {e}",
            file.display()
        ))
    })?;
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let email_at = column("email").ok_or_else(|| {
        Failure::Usage(format!(
            "{} has no `email` column in its header row",
            file.display()
        ))
    })?;
    let phone_at = column("phone");

    let mut lines = LineNumbers {
        text: &bytes,
        counted_to: 0,
        line: 1,
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let row = match record {
            Ok(record) => {
                let line = lines.at(record.position().map(|p| p.byte()));
                let email = record.get(email_at).unwrap_or("").to_string();
                let phone = phone_at
                    .and_then(|i| record.get(i))
                    .filter(|p| !p.is_empty())
                    .map(str::to_string);
                Row {
                    line,
                    fields: Ok((email, phone)),
                }
            }
            Err(e) => Row {
                line: lines.at(e.position().map(|p| p.byte())),
                fields: Err(format!("unreadable row ({e})")),
            },
        };
        rows.push(row);
    }
    Ok(rows)
}

/// Line numbers from byte offsets: the csv crate's own line count is off after blank lines.
struct LineNumbers<'a> {
    text: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl LineNumbers<'_> {
    /// The line a record starting at `byte` (or just after the previous one) is on.
    fn at(&mut self, byte: Option<u64>) -> u64 {
        let mut start = byte
            .and_then(|b| usize::try_from(b).ok())
            .unwrap_or(self.counted_to)
            .clamp(self.counted_to, self.text.len());
        // A record's position may point at the blank lines skipped before it.
        while start < self.text.len() && matches!(self.text[start], b'\n' | b'\r') {
            start += 1;
        }
        self.line += self.text[self.counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.counted_to = start;
        self.line
    }
}

/// One customer's rows run one at a time, so a file listing them twice can't enroll twice.
#[derive(Default)]
struct CustomerLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl CustomerLocks {
    fn for_customer(&self, user_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(user_id.to_string()).or_default().clone()
    }
}

async fn import_row(
    admin: &Admin,
    locks: &CustomerLocks,
    row: Row,
    dry_run: bool,
    reason: &str,
) -> RowOutcome {
    let (raw_email, raw_phone) = match row.fields {
        Ok(fields) => fields,
        Err(reason) => return RowOutcome::Failed(reason),
    };
    if raw_email.is_empty() {
        return RowOutcome::Failed("no email".into());
    }
    let Ok(email) = Email::parse(&raw_email) else {
        return RowOutcome::Failed(format!("malformed email {raw_email:?}"));
    };
    let phone = match raw_phone.as_deref().map(PhoneNumber::parse).transpose() {
        Ok(phone) => phone,
        Err(message) => return RowOutcome::Failed(format!("bad phone: {message}")),
    };
    let customer = match admin.users.find_by_email(&email).await {
        Ok(Some(customer)) => customer,
        Ok(None) => return RowOutcome::Failed(format!("unknown customer {email}")),
        Err(e) => return RowOutcome::Failed(format!("looking up {email} failed: {e}")),
    };

    let lock = locks.for_customer(&customer.id);
    let _one_at_a_time = lock.lock().await;
    let existing = match admin.authsignal.get_authenticators(&customer.id).await {
        Ok(list) => list,
        Err(e) => {
            return RowOutcome::Failed(format!(
                "listing {email}'s authenticators failed: {}",
                admin.unreachable(e)
            ))
        }
    };
    let wanted = std::iter::once(Contact::Email {
        email: email.clone(),
        magic_link: false,
    })
    .chain(phone.map(Contact::Sms));
    let missing: Vec<Contact> = wanted.filter(|c| !c.is_enrolled_in(&existing)).collect();
    if missing.is_empty() {
        return RowOutcome::Skipped;
    }
    if dry_run {
        return RowOutcome::Enrolled(missing.len());
    }
    for contact in &missing {
        if let Err(e) = admin.enroll(&customer, contact, Some(reason)).await {
            // Whatever did enroll stays; the next run skips it and retries the rest.
            return RowOutcome::Failed(format!(
                "enrolling {} failed: {}",
                contact.words(),
                admin.unreachable(e)
            ));
        }
    }
    RowOutcome::Enrolled(missing.len())
}

fn summarise(outcomes: Vec<(u64, RowOutcome)>) -> Summary {
    let mut summary = Summary::default();
    for (line, outcome) in outcomes {
        match outcome {
            RowOutcome::Enrolled(n) => {
                summary.enrolled += 1;
                summary.authenticators += n;
            }
            RowOutcome::Skipped => summary.skipped += 1,
            RowOutcome::Failed(reason) => summary.failed.push((line, reason)),
        }
    }
    summary.failed.sort_by_key(|(line, _)| *line);
    summary
}

fn summary_line(
    args: &Args,
    s: &Summary,
    total: usize,
    elapsed: Duration,
    interrupted: bool,
) -> String {
    let done = s.enrolled + s.skipped + s.failed.len();
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let (enrolled, skipped, added) = if args.dry_run {
        ("would enroll", "would skip", "would add")
    } else {
        ("enrolled", "skipped", "added")
    };
    let counts = format!(
        "{enrolled} {}, {skipped} {}, failed {} ({added} {} authenticators) in {secs:.1}s, {rate:.0} rows/s",
        s.enrolled,
        s.skipped,
        s.failed.len(),
        s.authenticators
    );
    let file = file_name(&args.file);
    match (interrupted, args.dry_run) {
        (true, _) => format!("import {file}: interrupted after {done} of {total} rows — {counts}; run the same command again to finish (enrolled rows are skipped)"),
        (false, true) => format!("dry run {file}: {total} rows — {counts}; nothing was changed"),
        (false, false) => format!("import {file}: {total} rows — {counts}"),
    }
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

/// Hidden when stderr is not a terminal (CI, pipes), so logs stay clean.
fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40.cyan/blue} {pos}/{len} rows  {rate}  ETA {eta}")
    {
        bar.set_style(style.with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} rows/s", state.per_sec());
            },
        ));
    }
    bar
}

/// Ctrl-C (or SIGTERM) lets rows in flight finish; a second one stops at once. Listening
/// starts before any row does, so an early signal is not lost.
fn watch_for_interrupt(interrupted: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    let mut signals = Interrupts::listen();
    tokio::spawn(async move {
        if !signals.next().await {
            return;
        }
        interrupted.store(true, Ordering::SeqCst);
        logging::eprintln_above(
            "interrupted: finishing the rows in flight (interrupt again to stop now)",
        );
        if signals.next().await {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    })
}

/// SIGINT and SIGTERM on Unix, Ctrl-C elsewhere.
struct Interrupts {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Interrupts {
    fn listen() -> Interrupts {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                _ => {
                    tracing::warn!(
                        "cannot listen for interrupts; an interrupted import stops at once"
                    );
                    None
                }
            };
            Interrupts { streams }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// True when an interrupt arrived; false when none ever can.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            match &mut self.streams {
                Some((int, term)) => tokio::select! {
                    got = int.recv() => got.is_some(),
                    got = term.recv() => got.is_some(),
                },
                None => false,
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::admin::import::*;

    #[test]
    fn rows_keep_their_line_numbers_and_the_email_column_is_required() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("contacts.csv");
        std::fs::write(&path, "Email,name,phone\r\na@example.com,Ada,+14155550123\r\n\r\nb@example.com,Bob\n\"x\ny\",,\nc@example.com\n").unwrap();
        let rows = read_rows(&path).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[2].line, 5, "a quoted field spans lines 5-6");
        assert_eq!(rows[3].line, 7);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].fields.as_ref().unwrap(),
            &(
                "a@example.com".to_string(),
                Some("+14155550123".to_string())
            )
        );
        assert_eq!(rows[1].line, 4);
        assert_eq!(
            rows[1].fields.as_ref().unwrap(),
            &("b@example.com".to_string(), None)
        );

        std::fs::write(&path, "name,phone\nAda,+14155550123\n").unwrap();
        assert!(matches!(read_rows(&path), Err(Failure::Usage(_))));
    }

    #[test]
    fn the_summary_counts_rows_and_sorts_failures_by_line() {
        let summary = summarise(vec![
            (5, RowOutcome::Failed("b".into())),
            (2, RowOutcome::Enrolled(2)),
            (3, RowOutcome::Skipped),
            (4, RowOutcome::Failed("a".into())),
        ]);
        assert_eq!(
            (summary.enrolled, summary.skipped, summary.authenticators),
            (1, 1, 2)
        );
        assert_eq!(
            summary.failed,
            vec![(4, "a".to_string()), (5, "b".to_string())]
        );
    }
}
