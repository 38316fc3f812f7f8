//! Server functions (under `/api/`). The types they return live in `crate::model`; their
//! server-only halves in `crate::server`.

pub mod custom_ui;
pub mod passkeys;
pub mod recovery;
pub mod security;
pub mod session;
pub mod verification;
