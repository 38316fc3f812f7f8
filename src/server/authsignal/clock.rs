//! Authsignal's clock, which the verification window is measured on: the times Authsignal
//! reports (`stateUpdatedAt`) are compared with its "now", not the storefront's. For a real
//! tenant that is the wall clock; the embedded sandbox has its own test clock, which tests
//! move forward per customer.

use std::sync::Arc;

/// Where "now" comes from for one customer's verification window.
#[derive(Clone)]
pub enum AuthsignalClock {
    System,
    Sandbox(Arc<authsignal_sandbox::Sandbox>),
}

impl AuthsignalClock {
    /// How far Authsignal's clock runs ahead of ours for `user_id`, in seconds: 0 for a real
    /// tenant (both are the wall clock), the test clock's offset in the embedded sandbox.
    pub fn ahead_of_ours(&self, user_id: &str) -> i64 {
        match self {
            AuthsignalClock::System => 0,
            AuthsignalClock::Sandbox(sandbox) => {
                sandbox.now_for(user_id).unix_timestamp() - crate::server::clock::now_unix()
            }
        }
    }

    /// Unix seconds, as Authsignal sees them for `user_id`.
    pub fn now_for(&self, user_id: &str) -> i64 {
        match self {
            AuthsignalClock::System => crate::server::clock::now_unix(),
            AuthsignalClock::Sandbox(sandbox) => sandbox.now_for(user_id).unix_timestamp(),
        }
    }
}
