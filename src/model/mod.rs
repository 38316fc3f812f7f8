//! The types both halves share: what server functions return to the browser and the error
//! every one of them can report. Nothing secret lives here; `crate::api` (server functions)
//! and `crate::server` (server-only code) both depend on this module, never on each other's
//! types.

pub mod custom_ui;
mod error;
pub mod passkeys;
pub mod recovery;
pub mod security;
pub mod session;
pub mod verification;
pub mod words;

pub use error::AppError;
