//! Whether Authsignal answers, for `/readyz`: asked at most every few seconds, told in our
//! own words (upstream text is never echoed).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::server::clock::within;

/// The user id `/readyz` asks Authsignal about (never a customer's: theirs start with `usr_`).
const PROBE_USER: &str = "storefront-readiness-probe";

/// However often `/readyz` is polled, Authsignal is asked at most this often.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// The last answer about Authsignal's reachability, shared by concurrent `/readyz` calls
/// (the lock is held across the one upstream call, so a burst makes one call).
#[derive(Clone, Default)]
pub struct AuthsignalProbe(Arc<tokio::sync::Mutex<Option<LastProbe>>>);

/// When Authsignal was last asked, and what came of it.
type LastProbe = (Instant, Result<(), String>);

impl AuthsignalProbe {
    /// Whether Authsignal answers, in our words; asked at most every few seconds.
    pub async fn check(&self, client: &authsignal::Client) -> Result<(), String> {
        let mut last = self.0.lock().await;
        if let Some((at, result)) = last.as_ref() {
            if at.elapsed() < PROBE_EVERY {
                return result.clone();
            }
        }
        let result = within(async {
            client
                .get_user(PROBE_USER)
                .await
                .map(|_| ())
                .map_err(|e| in_our_words(&e))
        })
        .await;
        *last = Some((Instant::now(), result.clone()));
        result
    }
}

/// What went wrong, in our words: upstream text (which an upstream controls) is never echoed.
fn in_our_words(error: &authsignal::Error) -> String {
    let words = if error.is_unauthorized() {
        "the secret key was refused"
    } else {
        match error {
            authsignal::Error::Timeout => "no answer in time",
            authsignal::Error::Connection { .. } => "unreachable",
            authsignal::Error::Api { status, .. } if *status == 429 => "rate limited",
            authsignal::Error::Api { status, .. } if *status >= 500 => "server error",
            _ => "unexpected answer",
        }
    };
    words.to_string()
}
