//! Server half of the account page's security section: the Authsignal client, the flows
//! behind its buttons, the return from the pre-built UI, and the activity log.

pub mod change_lease;
pub mod client;
pub mod events;
pub mod flows;
pub mod passkeys;
pub mod request_context;
pub mod round_trip;
pub mod two_step;
pub mod views;
pub mod webhooks;

/// A challenge counts as recent for this long (Authsignal's binding window).
pub const VERIFICATION_WINDOW_SECS: i64 = 10 * 60;

/// Seconds since the epoch, the unit kept in the session.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// 128 random bits as 32 hex characters: ids and idempotency keys nobody can guess.
pub fn random_hex() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
