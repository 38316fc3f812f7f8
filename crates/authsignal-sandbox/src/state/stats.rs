//! The API calls counted per route for `/_test/stats` (what the benchmark divides by page
//! views).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// API calls answered (or faulted) per route since start-up or the last reset.
#[derive(Default)]
pub(crate) struct Stats {
    by_route: Mutex<BTreeMap<Cow<'static, str>, u64>>,
}

impl Stats {
    pub(crate) fn record(&self, route: Cow<'static, str>) {
        *self.lock().entry(route).or_default() += 1;
    }

    pub(crate) fn snapshot(&self) -> BTreeMap<Cow<'static, str>, u64> {
        self.lock().clone()
    }

    pub(crate) fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Cow<'static, str>, u64>> {
        self.by_route
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
