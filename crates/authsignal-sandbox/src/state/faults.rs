//! The faults set through `/_faults`, per route or for all of them: what the API's fault
//! middleware (`testing::inject`) takes on each request.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FaultSpec {
    pub route: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default)]
    pub malformed_body: bool,
    #[serde(default)]
    pub drop_connection: bool,
    /// How many requests it applies to; absent means until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

#[derive(Default)]
pub(crate) struct Faults {
    by_route: Mutex<HashMap<String, FaultSpec>>,
}

impl Faults {
    pub(crate) fn set(&self, spec: FaultSpec) {
        self.lock().insert(spec.route.clone(), spec);
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn list(&self) -> Vec<FaultSpec> {
        self.lock().values().cloned().collect()
    }

    /// The fault for this request, if any, counting it against `times`.
    pub(crate) fn take(&self, route: &str) -> Option<FaultSpec> {
        let mut faults = self.lock();
        let key = if faults.contains_key(route) {
            route
        } else {
            "*"
        };
        let spec = faults.get_mut(key)?;
        let taken = spec.clone();
        if let Some(times) = spec.times.as_mut() {
            *times = times.saturating_sub(1);
            if *times == 0 {
                faults.remove(key);
            }
        }
        Some(taken)
    }

    /// Extra wait before each webhook delivery: the route `webhooks`, latency only.
    pub(crate) fn webhook_delay(&self) -> Option<std::time::Duration> {
        let faults = self.lock();
        let spec = faults.get("webhooks")?;
        spec.latency_ms.map(std::time::Duration::from_millis)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, FaultSpec>> {
        self.by_route
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(route: &str, times: Option<u32>) -> FaultSpec {
        FaultSpec {
            route: route.into(),
            latency_ms: None,
            status: Some(503),
            malformed_body: false,
            drop_connection: false,
            times,
        }
    }

    #[test]
    fn a_specific_route_wins_over_the_wildcard_and_times_run_out() {
        let faults = Faults::default();
        faults.set(spec("*", None));
        faults.set(spec("track", Some(1)));
        assert_eq!(faults.take("track").map(|f| f.route), Some("track".into()));
        assert_eq!(faults.take("track").map(|f| f.route), Some("*".into()));
        faults.clear();
        assert!(faults.take("getUser").is_none());
    }
}
