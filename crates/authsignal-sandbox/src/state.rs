//! What every handler shares.

use std::sync::Arc;

use crate::clock::SandboxClock;
use crate::faults::Faults;
use crate::store::Store;
use crate::test_hooks::Stats;
use crate::token::TokenSigner;
use crate::SandboxConfig;

pub(crate) struct Shared {
    pub store: Store,
    pub signer: TokenSigner,
    pub clock: SandboxClock,
    pub config: SandboxConfig,
    pub faults: Faults,
    pub stats: Stats,
}

pub(crate) type AppState = Arc<Shared>;
