//! The crate's integration tests, linked into one binary (one link instead of one per file).

#[allow(dead_code)]
mod common;

mod api;
mod client_api;
mod hardening;
mod outcomes;
mod passkeys;
mod popup;
mod ui_flows;
mod webhooks;
mod wire_fidelity;
