//! Server-only code, by feature over a small web kit. None of it reaches the wasm bundle.
//!
//! ```text
//! startup ─▶ router ─▶ accounts/ authsignal/ recovery/ activity/ mail/   (features)
//!                        │
//!                        ▼
//!                      web/ sessions/ users db clock ids config state     (kit: imports no feature)
//! ```

pub mod accounts;
pub mod activity;
pub mod authsignal;
pub mod clock;
pub mod config;
pub mod db;
pub mod health;
pub mod housekeeping;
pub mod ids;
pub mod mail;
pub mod recovery;
pub mod router;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod users;
pub mod web;
