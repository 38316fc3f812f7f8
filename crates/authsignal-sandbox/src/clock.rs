//! Time source. Injectable so tests can cross the 10-minute windows without sleeping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use time::macros::format_description;
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

    /// Moves the clock; a move past the calendar's end leaves it where it was.
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = now.checked_add(by).unwrap_or(*now);
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

/// The largest move one clock-hook call may make: ten years.
pub(crate) const MAX_ADVANCE_SECS: i64 = 10 * 366 * 24 * 60 * 60;
/// The largest total offset (global plus one user's): a hundred years keeps every date
/// the sandbox computes far inside what `OffsetDateTime` can hold.
const MAX_OFFSET_SECS: i64 = 10 * MAX_ADVANCE_SECS;

/// Why the clock hook refused to move the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdvanceRefused {
    /// One move of more than [`MAX_ADVANCE_SECS`] either way.
    TooFar,
    /// The total offset would leave ±[`MAX_OFFSET_SECS`].
    OutOfRange,
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

    /// The time source underneath the offsets.
    pub(crate) fn source(&self) -> Arc<dyn Clock> {
        self.base.clone()
    }

    /// Now, as seen by anything that isn't about one user.
    pub(crate) fn now(&self) -> OffsetDateTime {
        shifted(
            self.base.now(),
            self.global_offset_secs.load(Ordering::Relaxed),
        )
    }

    /// Now, as seen by everything that concerns `user_id`.
    pub(crate) fn now_for(&self, user_id: &str) -> OffsetDateTime {
        let offset = self.user_offsets().get(user_id).copied().unwrap_or(0);
        shifted(self.now(), offset)
    }

    /// Moves the clock for everyone or for one user, within the bounds above.
    pub(crate) fn advance(
        &self,
        seconds: i64,
        user_id: Option<&str>,
    ) -> Result<(), AdvanceRefused> {
        if !(-MAX_ADVANCE_SECS..=MAX_ADVANCE_SECS).contains(&seconds) {
            return Err(AdvanceRefused::TooFar);
        }
        match user_id {
            None => self
                .global_offset_secs
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                    moved(offset, seconds)
                })
                .map(drop)
                .map_err(|_| AdvanceRefused::OutOfRange),
            Some(user_id) => {
                let mut offsets = self.user_offsets();
                let offset = offsets.entry(user_id.to_owned()).or_insert(0);
                *offset = moved(*offset, seconds).ok_or(AdvanceRefused::OutOfRange)?;
                Ok(())
            }
        }
    }

    fn user_offsets(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.user_offsets_secs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An offset moved by `seconds`, if it stays within ±[`MAX_OFFSET_SECS`].
fn moved(offset: i64, seconds: i64) -> Option<i64> {
    offset
        .checked_add(seconds)
        .filter(|total| (-MAX_OFFSET_SECS..=MAX_OFFSET_SECS).contains(total))
}

/// `at` plus an offset, pinned to the calendar's ends rather than panicking.
fn shifted(at: OffsetDateTime, offset_secs: i64) -> OffsetDateTime {
    at.checked_add(Duration::seconds(offset_secs))
        .unwrap_or(if offset_secs < 0 {
            OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT)
        } else {
            OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT)
        })
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
    // Always three fraction digits (`…02.640Z`, `…00.000Z`), as Authsignal writes them.
    from_millis(millis)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_user_offsets_do_not_leak_to_other_users() {
        let manual = Arc::new(ManualClock::starting_now());
        let clock = SandboxClock::new(manual.clone());
        clock.advance(600, Some("alice")).expect("in range");
        assert_eq!(
            clock.now_for("alice") - clock.now_for("bob"),
            Duration::seconds(600)
        );
        clock.advance(60, None).expect("in range");
        assert_eq!(clock.now_for("bob"), manual.now() + Duration::seconds(60));
    }

    #[test]
    fn absurd_moves_are_refused_and_the_clock_keeps_working() {
        let clock = SandboxClock::new(Arc::new(ManualClock::starting_now()));
        assert_eq!(clock.advance(i64::MAX, None), Err(AdvanceRefused::TooFar));
        assert_eq!(
            clock.advance(i64::MIN, Some("u")),
            Err(AdvanceRefused::TooFar)
        );
        for _ in 0..10 {
            clock
                .advance(MAX_ADVANCE_SECS, Some("u"))
                .expect("in range");
        }
        assert_eq!(
            clock.advance(MAX_ADVANCE_SECS, Some("u")),
            Err(AdvanceRefused::OutOfRange)
        );
        assert!(clock.now_for("u") > clock.now());
    }

    #[test]
    fn an_offset_past_the_calendar_pins_instead_of_panicking() {
        let at = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(shifted(at, i64::MAX).date(), time::Date::MAX);
        assert_eq!(shifted(at, i64::MIN).date(), time::Date::MIN);
    }

    #[test]
    fn millis_round_trip_as_iso8601() {
        assert_eq!(iso8601(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }

    #[test]
    fn timestamps_always_have_three_fraction_digits() {
        assert_eq!(iso8601(1_767_225_602_640), "2026-01-01T00:00:02.640Z");
        assert_eq!(iso8601(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_767_225_600_007), "2026-01-01T00:00:00.007Z");
    }
}
