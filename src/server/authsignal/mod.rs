//! Authsignal on the storefront: the client, the account page's flows behind its buttons,
//! passkeys in place, the one round trip to the pre-built UI and back, and the webhooks.

pub mod change_lease;
pub mod client;
pub mod clock;
pub mod flows;
pub mod passkeys;
pub mod probe;
pub mod round_trip;
pub mod views;
pub mod webhooks;

/// A challenge counts as recent for this long (Authsignal's binding window).
pub const VERIFICATION_WINDOW_SECS: i64 = 10 * 60;
