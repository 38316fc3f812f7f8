//! The server's sense of time, in the unit sessions and tables keep.

/// Seconds since the epoch.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
