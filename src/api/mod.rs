//! Server functions (under `/api/`) and the view types they return to the browser.
//! The view types carry nothing secret; the server-only halves live in `crate::server`.

pub mod errors;
pub mod security;
pub mod session;

pub use errors::AppError;
