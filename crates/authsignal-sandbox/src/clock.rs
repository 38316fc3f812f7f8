//! Time source. Injectable so tests can cross the 10-minute windows without sleeping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Where the sandbox reads the current time from.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to: for tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Starts at the current wall-clock time, truncated to whole milliseconds
    /// (the precision the sandbox stores).
    pub fn starting_now() -> Self {
        Self::new(from_millis(to_millis(OffsetDateTime::now_utc())))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The clock the sandbox actually uses: a base clock plus offsets that the test hook can
/// push forward, either for everyone or for one user (so parallel browser tests that
/// travel in time don't expire each other's tokens).
pub(crate) struct SandboxClock {
    base: Arc<dyn Clock>,
    global_offset_secs: AtomicI64,
    user_offsets_secs: Mutex<HashMap<String, i64>>,
}

impl SandboxClock {
    pub(crate) fn new(base: Arc<dyn Clock>) -> Self {
        Self {
            base,
            global_offset_secs: AtomicI64::new(0),
            user_offsets_secs: Mutex::new(HashMap::new()),
        }
    }

    /// Now, as seen by anything that isn't about one user.
    pub(crate) fn now(&self) -> OffsetDateTime {
        self.base.now() + Duration::seconds(self.global_offset_secs.load(Ordering::Relaxed))
    }

    /// Now, as seen by everything that concerns `user_id`.
    pub(crate) fn now_for(&self, user_id: &str) -> OffsetDateTime {
        let offsets = self
            .user_offsets_secs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.now() + Duration::seconds(offsets.get(user_id).copied().unwrap_or(0))
    }

    pub(crate) fn advance(&self, seconds: i64, user_id: Option<&str>) {
        match user_id {
            None => {
                self.global_offset_secs
                    .fetch_add(seconds, Ordering::Relaxed);
            }
            Some(user_id) => {
                let mut offsets = self
                    .user_offsets_secs
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                *offsets.entry(user_id.to_owned()).or_insert(0) += seconds;
            }
        }
    }
}

/// Unix milliseconds: how times are stored.
pub(crate) fn to_millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// ISO-8601 as the API returns it, e.g. `2026-01-01T10:00:00.123Z`.
pub(crate) fn iso8601(millis: i64) -> String {
    from_millis(millis).format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_user_offsets_do_not_leak_to_other_users() {
        let manual = Arc::new(ManualClock::starting_now());
        let clock = SandboxClock::new(manual.clone());
        clock.advance(600, Some("alice"));
        assert_eq!(
            clock.now_for("alice") - clock.now_for("bob"),
            Duration::seconds(600)
        );
        clock.advance(60, None);
        assert_eq!(clock.now_for("bob"), manual.now() + Duration::seconds(60));
    }

    #[test]
    fn millis_round_trip_as_iso8601() {
        assert_eq!(iso8601(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }
}
