//! The CLI's audit log: to stderr (stdout is for results and `--json`), drawn around the
//! import's progress bar so the two don't overwrite each other.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use indicatif::ProgressBar;
use tracing_subscriber::fmt;

/// The progress bar on screen, if any; log lines suspend it while they print.
static ACTIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

pub(crate) fn init() {
    let filter = crate::server::telemetry::filter("info,sqlx=warn");
    let _ = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(io::stderr().is_terminal())
        .with_writer(|| BarAwareStderr)
        .try_init();
}

/// Routes log lines (and `println_above`) around `bar` until it is finished.
pub(crate) fn show_bar(bar: Option<ProgressBar>) {
    *ACTIVE_BAR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = bar;
}

/// One line to stderr that doesn't tear the progress bar.
pub(crate) fn eprintln_above(line: &str) {
    let _ = BarAwareStderr.write_all(format!("{line}\n").as_bytes());
}

struct BarAwareStderr;

impl Write for BarAwareStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let bar = ACTIVE_BAR
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        match bar {
            Some(bar) => bar.suspend(|| io::stderr().write(buf)),
            None => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
