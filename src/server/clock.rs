//! The server's sense of time: seconds in the unit sessions and tables keep, and time limits.

/// Seconds since the epoch.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Milliseconds since the epoch.
pub fn now_unix_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// Each readiness check gets this long; a load balancer polls often and must not pile up requests.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A readiness check, bounded in time.
pub async fn within(
    check: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), String> {
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err("no answer within 2 s".into()))
}
