//! What happened to an account: the security activity log and the receipts mailed for it.

pub mod log;
pub mod receipts;
