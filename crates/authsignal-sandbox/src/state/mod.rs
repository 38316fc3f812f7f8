//! What every handler shares.

mod faults;
mod stats;

use std::sync::Arc;

pub(crate) use faults::{FaultSpec, Faults};
pub(crate) use stats::Stats;

use crate::clock::SandboxClock;
use crate::config::SandboxConfig;
use crate::outcomes::Outcomes;
use crate::passkeys::RelyingParty;
use crate::store::Store;
use crate::token::TokenSigner;
use crate::webhooks::{DeliverySource, Webhooks};

pub(crate) struct Shared {
    pub store: Store,
    pub signer: TokenSigner,
    pub clock: SandboxClock,
    pub config: SandboxConfig,
    pub faults: Faults,
    pub stats: Stats,
    /// Passkey registration and authentication for the sandbox's public origin.
    pub relying_party: RelyingParty,
    /// What track answers per action code.
    pub outcomes: Outcomes,
    /// The tenant id the Client API takes for usernameless passkey sign-in (and webhook
    /// events carry as `tenantId`).
    pub tenant_id: String,
    /// Set by `Sandbox::with_webhook`.
    pub webhooks: Option<Webhooks>,
}

pub(crate) type AppState = Arc<Shared>;

impl DeliverySource for Shared {
    fn store(&self) -> &Store {
        &self.store
    }

    fn clock(&self) -> &SandboxClock {
        &self.clock
    }

    fn secret_key(&self) -> &str {
        &self.config.secret_key
    }

    fn delivery_delay(&self) -> Option<std::time::Duration> {
        self.faults.webhook_delay()
    }
}
