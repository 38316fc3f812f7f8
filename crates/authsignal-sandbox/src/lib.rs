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
mod config;
mod domain;
mod ids;
mod otp;
mod outbox;
mod outcomes;
mod passkeys;
mod sent_codes;
mod state;
mod store;
mod testing;
mod token;
mod totp;
mod ui;
mod webhooks;
mod wire;

use std::sync::Arc;

use axum::response::IntoResponse;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{SandboxConfig, SandboxError};
pub use outcomes::{ActionRule, ActionsConfig, Outcome};
pub use webhooks::{WebhookTarget, SIGNATURE_HEADER};

use crate::clock::SandboxClock;
use crate::outcomes::Outcomes;
use crate::passkeys::RelyingParty;
use crate::state::{AppState, Faults, Shared, Stats};
use crate::store::{EventSink, Store};
use crate::token::TokenSigner;
use crate::webhooks::Webhooks;

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
                None,
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
                state.webhooks.clone(),
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
                state.webhooks.clone(),
            ),
        }
    }

    /// Sends Authsignal's authenticator webhook events (`authenticator.created`,
    /// `.updated`, `.deleted`) to `target.url`, signed with the secret key in
    /// `X-Signature-V2`. Each event is stored with the change it describes and POSTed by a
    /// background task started with the first [`Sandbox::router`], oldest first, retried
    /// with backoff until a 2xx. A target that fails [`WebhookTarget::validate`] is logged
    /// as an error and leaves webhooks off (check it first to fail fast).
    pub fn with_webhook(self, target: WebhookTarget) -> Self {
        let webhooks = match Webhooks::new(target) {
            Ok(webhooks) => Some(webhooks),
            Err(e) => {
                tracing::error!(error = %e, "webhooks stay off");
                None
            }
        };
        let state = &self.state;
        Sandbox {
            state: shared_state(
                state.config.clone(),
                state.store.clone(),
                state.clock.source(),
                state.tenant_id.clone(),
                webhooks,
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
    /// `/_faults`, `/_test/clock`, `/_test/stats`, `/_test/actions` and `/_test/webhooks`.
    /// Nest it wherever `public_url` points. With a webhook, also starts its delivery task
    /// (call it inside a tokio runtime).
    pub fn router(&self) -> axum::Router {
        let state = self.state.clone();
        if let Some(webhooks) = &state.webhooks {
            webhooks.start_delivery(&state);
        }
        let pages =
            ui::router()
                .merge(outbox::router())
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    ui::html::with_public_url,
                ));
        let mut router = axum::Router::new()
            .nest(
                "/v1",
                api::router(state.clone(), client::router(state.clone())),
            )
            .merge(pages);
        if state.config.test_hooks {
            router = router.merge(testing::router());
        }
        router
            .with_state(state)
            .layer(axum::middleware::from_fn(run_to_completion))
    }
}

/// A request whose client goes away still runs to its end: a write cut off half-way would
/// leave its pooled connection inside a transaction, and sqlx then refuses `BEGIN IMMEDIATE`
/// on that connection ("non-zero transaction depth") for every later request it serves.
async fn run_to_completion(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "a sandbox request failed to finish");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Routers made from one sandbox share its clock offsets and faults.
fn shared_state(
    config: SandboxConfig,
    store: Store,
    clock: Arc<dyn Clock>,
    tenant_id: String,
    webhooks: Option<Webhooks>,
) -> AppState {
    // Events carry the tenant id in force, so the store is told again on every rebuild.
    let store = store.with_events(webhooks.as_ref().map(|w| EventSink {
        tenant_id: tenant_id.clone(),
        wake: w.wake.clone(),
        render: webhooks::authenticator_event,
    }));
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
        webhooks,
    })
}
