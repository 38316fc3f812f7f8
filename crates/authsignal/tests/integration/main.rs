//! The crate's integration tests, linked into one binary (one link instead of one per file).

#[allow(dead_code)]
mod common;

mod against_sandbox;
mod client_api;
mod endpoints;
mod errors;
mod retries;
mod types;
