//! How the sandbox is set up, and what it says when it can't be.

use crate::outcomes::ActionsConfig;

/// How the sandbox is set up.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The tenant secret key the API's Basic auth expects (also signs tokens).
    pub secret_key: String,
    /// Where the sandbox is reachable from a browser, without a trailing slash, e.g.
    /// `http://localhost:3000/sandbox`. Every link, form action and redirect in the
    /// pre-built UI is built from it, never from the request's Host header.
    pub public_url: String,
    /// The sandbox's own SQLite database, e.g. `sqlite://data/sandbox.db?mode=rwc`.
    pub database_url: String,
    /// Enables fault injection (`/_faults`), the clock hook (`/_test/clock`), the
    /// per-route call counter (`/_test/stats`), per-action outcomes (`/_test/actions`) and
    /// the webhook delivery list (`/_test/webhooks`).
    pub test_hooks: bool,
    /// What track answers per action code; the default challenges enrolled users of every
    /// action code and allows the rest.
    pub actions: ActionsConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox configuration: {0}")]
    Config(String),
    #[error("sandbox database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("sandbox database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}
