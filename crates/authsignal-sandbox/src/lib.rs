//! An offline, Authsignal-compatible sandbox: the Server API subset the storefront uses
//! (under `/v1`), the pre-built UI (enrollment, challenge, authenticator settings), and a
//! dev outbox where codes land instead of being sent.
//!
//! ```no_run
//! # async fn demo() -> Result<(), authsignal_sandbox::SandboxError> {
//! use authsignal_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig {
//!     secret_key: "sandbox-secret".into(),
//!     public_url: "http://localhost:3000/sandbox".into(),
//!     database_url: "sqlite://data/sandbox.db?mode=rwc".into(),
//!     test_hooks: false,
//!     actions: Default::default(),
//! })
//! .await?;
//! let app: axum::Router = axum::Router::new().nest("/sandbox", sandbox.router());
//! # Ok(()) }
//! ```

mod api;
mod client;
mod clock;
mod domain;
mod faults;
mod ids;
mod otp;
mod outbox;
mod outcomes;
mod passkeys;
mod sent_codes;
mod state;
mod store;
mod test_hooks;
mod token;
mod totp;
mod ui;

use std::sync::Arc;

pub use clock::{Clock, ManualClock, SystemClock};
pub use outcomes::{ActionRule, ActionsConfig, Outcome};

use crate::clock::SandboxClock;
use crate::faults::Faults;
use crate::outcomes::Outcomes;
use crate::passkeys::RelyingParty;
use crate::state::{AppState, Shared};
use crate::store::Store;
use crate::test_hooks::Stats;
use crate::token::TokenSigner;

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
    /// per-route call counter (`/_test/stats`) and per-action outcomes (`/_test/actions`).
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

/// The tenant id the Client API accepts unless [`Sandbox::with_tenant_id`] says otherwise:
/// what the Web SDK's `new Authsignal({ tenantId })` sends for usernameless passkey sign-in.
pub const DEFAULT_TENANT_ID: &str = "sandbox-tenant";

/// A running sandbox: its state, ready to be served by [`Sandbox::router`].
pub struct Sandbox {
    state: AppState,
}

impl Sandbox {
    /// Connects to (and creates) the database and applies the migrations.
    pub async fn start(mut config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if config.secret_key.is_empty() {
            return Err(SandboxError::Config(
                "the secret key must not be empty".into(),
            ));
        }
        let public_url = url::Url::parse(&config.public_url).map_err(|e| {
            SandboxError::Config(format!(
                "public URL {:?} is not a URL: {e}",
                config.public_url
            ))
        })?;
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(SandboxError::Config(format!(
                "public URL {:?} must be http or https",
                config.public_url
            )));
        }
        config.public_url = config.public_url.trim_end_matches('/').to_owned();
        config.actions.check().map_err(SandboxError::Config)?;
        let store = Store::open(&config.database_url).await?;
        Ok(Sandbox {
            state: shared_state(
                config,
                store,
                Arc::new(SystemClock),
                DEFAULT_TENANT_ID.to_owned(),
            ),
        })
    }

    /// Replaces the time source (tests use a [`ManualClock`]).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        let state = &self.state;
        Sandbox {
            state: shared_state(
                state.config.clone(),
                state.store.clone(),
                clock,
                state.tenant_id.clone(),
            ),
        }
    }

    /// Replaces the tenant id the Client API accepts (default [`DEFAULT_TENANT_ID`]). A
    /// builder rather than a [`SandboxConfig`] field, so existing configs keep compiling.
    pub fn with_tenant_id(self, tenant_id: impl Into<String>) -> Self {
        let state = &self.state;
        Sandbox {
            state: shared_state(
                state.config.clone(),
                state.store.clone(),
                state.clock.source(),
                tenant_id.into(),
            ),
        }
    }

    /// The tenant id the Client API accepts.
    pub fn tenant_id(&self) -> &str {
        &self.state.tenant_id
    }

    /// The time as this sandbox sees it for `user_id` (test-clock offsets included): what an
    /// app embedding it compares Authsignal's timestamps against.
    pub fn now_for(&self, user_id: &str) -> time::OffsetDateTime {
        self.state.clock.now_for(user_id)
    }

    /// The Server API (`/v1`), Client API (`/v1/client`), pre-built UI (`/ui`), outbox (`/outbox`) and, with test hooks,
    /// `/_faults`, `/_test/clock`, `/_test/stats` and `/_test/actions`. Nest it wherever
    /// `public_url` points.
    pub fn router(&self) -> axum::Router {
        let state = self.state.clone();
        let pages =
            ui::router()
                .merge(outbox::router())
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    ui::html::with_public_url,
                ));
        let mut router = axum::Router::new()
            .nest("/v1", api::router(state.clone()))
            .merge(pages);
        if state.config.test_hooks {
            router = router.merge(faults::router()).merge(test_hooks::router());
        }
        router.with_state(state)
    }
}

/// Routers made from one sandbox share its clock offsets and faults.
fn shared_state(
    config: SandboxConfig,
    store: Store,
    clock: Arc<dyn Clock>,
    tenant_id: String,
) -> AppState {
    Arc::new(Shared {
        tenant_id,
        signer: TokenSigner::new(&config.secret_key),
        clock: SandboxClock::new(clock),
        faults: Faults::default(),
        stats: Stats::default(),
        relying_party: RelyingParty::for_public_url(&config.public_url),
        outcomes: Outcomes::new(config.actions.clone()),
        store,
        config,
    })
}
