//! The storefront's black-box tests, linked into one binary: each file below was once its own
//! test target, and linking nine copies of the server cost minutes and gigabytes per build.

#[allow(dead_code)]
mod support;

mod account_security;
mod account_takeover;
mod accounts;
mod action_outcomes;
mod admin;
mod database_backends;
mod edges;
mod fault_matrix;
mod graceful_shutdown;
mod hardening;
mod hostile_edges;
mod passkeys_in_place;
mod receipts_and_recovery;
mod round_trip;
mod scale_out;
mod two_step_sign_in;
