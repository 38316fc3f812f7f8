//! Structured logs: `RUST_LOG` filters, one span per request (see startup.rs).

use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    // Ignore the error a second init (tests) would give.
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
