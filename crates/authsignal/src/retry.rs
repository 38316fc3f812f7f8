//! When to retry a request, and how long to wait before doing so.

use std::time::Duration;

use rand::Rng;
use reqwest::Method;

/// How often and how patiently the [`Client`](crate::Client) retries, following the official
/// SDKs (`authsignal-node/src/retries.ts`):
///
/// - a connection that could not be established is retried for every method, because the
///   request never left this machine;
/// - a 5xx response, or a connection that broke mid-request, is retried only for `GET` and
///   `HEAD`. A `POST`/`PATCH`/`DELETE` that may have reached Authsignal is never replayed;
/// - timeouts are not retried: the caller's time budget is already spent, and a `POST` that
///   timed out may have reached Authsignal. **Unlike the Node SDK**, which retries any
///   request that got no response (a timed-out `POST` such as track included), this client
///   never sends a `POST` again after a timeout.
///
/// The wait before retry `n` (0-based) is `base_delay * 2^n` plus up to 20 % jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` disables retrying. Default 2.
    pub max_retries: u32,
    /// Wait before the first retry, doubled for each further one. Default 100 ms.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (0-based), jitter included.
    pub(crate) fn delay_before(&self, retry: u32) -> Duration {
        // Capped exponent: a misconfigured max_retries must not overflow the multiplication.
        let exponential = self.base_delay.saturating_mul(1u32 << retry.min(16));
        let jitter = rand::thread_rng().gen_range(0.0..=0.2);
        exponential.saturating_add(exponential.mul_f64(jitter))
    }
}

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A response with this status arrived.
    Status(u16),
    /// The connection could not be established; nothing was sent.
    ConnectFailed,
    /// The request timed out.
    TimedOut,
    /// The connection broke after the request may have been sent.
    BrokeInTransit,
}

/// Whether `outcome` of a `method` request deserves another attempt (retry budget aside).
pub(crate) fn is_retryable(method: &Method, outcome: Outcome) -> bool {
    let idempotent_read = *method == Method::GET || *method == Method::HEAD;
    match outcome {
        Outcome::ConnectFailed => true,
        Outcome::Status(status) => idempotent_read && (500..=599).contains(&status),
        Outcome::BrokeInTransit => idempotent_read,
        Outcome::TimedOut => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_are_retried_for_every_method() {
        for method in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
            assert!(is_retryable(&method, Outcome::ConnectFailed), "{method}");
        }
    }

    #[test]
    fn server_errors_are_retried_only_for_reads() {
        assert!(is_retryable(&Method::GET, Outcome::Status(503)));
        assert!(is_retryable(&Method::HEAD, Outcome::Status(500)));
        for method in [Method::POST, Method::PATCH, Method::DELETE] {
            assert!(!is_retryable(&method, Outcome::Status(500)), "{method}");
            assert!(!is_retryable(&method, Outcome::BrokeInTransit), "{method}");
        }
    }

    #[test]
    fn client_errors_and_timeouts_are_not_retried() {
        for status in [400, 401, 404, 429] {
            assert!(
                !is_retryable(&Method::GET, Outcome::Status(status)),
                "{status}"
            );
        }
        assert!(!is_retryable(&Method::GET, Outcome::TimedOut));
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let policy = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(100),
        };
        for retry in 0..3u32 {
            let expected = Duration::from_millis(100 * 2u64.pow(retry));
            let delay = policy.delay_before(retry);
            assert!(
                delay >= expected && delay <= expected.mul_f64(1.2),
                "{retry}: {delay:?}"
            );
        }
    }

    #[test]
    fn huge_retry_numbers_do_not_overflow() {
        let policy = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_secs(1),
        };
        assert!(policy.delay_before(u32::MAX) >= Duration::from_secs(1 << 16));
    }
}
