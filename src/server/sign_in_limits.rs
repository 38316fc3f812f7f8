//! Slows password guessing: failed sign-ins are counted per account and per client IP in
//! fixed windows; past the limit, sign-in is refused (before any password check) until the
//! window ends. Counters live in Redis when sessions do (shared by every instance), else in
//! this process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tower_sessions_redis_store::fred::prelude::{KeysInterface, Pool as RedisPool};

/// How many failures each key may have in one window.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_account: u64,
    pub per_ip: u64,
    pub window: Duration,
}

impl Default for Limits {
    /// Five wrong passwords for one account, or twenty from one address, per 15 minutes.
    fn default() -> Self {
        Limits { per_account: 5, per_ip: 20, window: Duration::from_secs(15 * 60) }
    }
}

/// Why a sign-in is refused before its password is checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Blocked {
    pub retry_after: Duration,
}

impl Blocked {
    /// What the sign-in form says.
    pub fn message(&self) -> String {
        let minutes = self.retry_after.as_secs().div_ceil(60).max(1);
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!("Too many failed sign-in attempts. Try again in {minutes} {unit}.")
    }
}

#[derive(Clone)]
pub struct SignInLimits {
    limits: Limits,
    counters: Counters,
}

#[derive(Clone)]
enum Counters {
    Local(Arc<Mutex<HashMap<String, (u64, Instant)>>>),
    Redis(RedisPool),
}

impl SignInLimits {
    pub fn new(limits: Limits, redis: Option<RedisPool>) -> Self {
        let counters = match redis {
            Some(pool) => Counters::Redis(pool),
            None => Counters::Local(Arc::default()),
        };
        SignInLimits { limits, counters }
    }

    /// Refuses when either the account or the address has used up its window.
    pub async fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Blocked> {
        for (key, limit) in self.keys(email, ip) {
            let (count, retry_after) = self.counters.read(&key).await;
            if count >= limit {
                return Err(Blocked { retry_after });
            }
        }
        Ok(())
    }

    /// Counts one wrong email or password against both keys.
    pub async fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        for (key, _) in self.keys(email, ip) {
            self.counters.increment(&key, self.limits.window).await;
        }
    }

    /// A correct password clears the account's count (not the address's).
    pub async fn record_success(&self, email: &str) {
        self.counters.clear(&account_key(email)).await;
    }

    fn keys(&self, email: &str, ip: Option<IpAddr>) -> Vec<(String, u64)> {
        let mut keys = vec![(account_key(email), self.limits.per_account)];
        if let Some(ip) = ip {
            keys.push((format!("signin:ip:{ip}"), self.limits.per_ip));
        }
        keys
    }
}

/// Keyed by the normalised email, so "A@x.com " and "a@x.com" share a count.
fn account_key(email: &str) -> String {
    format!("signin:account:{}", email.trim().to_lowercase())
}

impl Counters {
    /// The count in the current window and how long until it ends.
    async fn read(&self, key: &str) -> (u64, Duration) {
        match self {
            Counters::Local(map) => {
                let map = map.lock().unwrap_or_else(|p| p.into_inner());
                match map.get(key) {
                    Some((count, ends)) if *ends > Instant::now() => (*count, *ends - Instant::now()),
                    _ => (0, Duration::ZERO),
                }
            }
            Counters::Redis(pool) => {
                // Redis unreachable: let the attempt through (sessions will fail it anyway) rather than lock everyone out.
                let count: Option<u64> = pool.get(key).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "sign-in limit unavailable");
                    None
                });
                let ttl: i64 = pool.pttl(key).await.unwrap_or(0);
                (count.unwrap_or(0), Duration::from_millis(ttl.max(0) as u64))
            }
        }
    }

    async fn increment(&self, key: &str, window: Duration) {
        match self {
            Counters::Local(map) => {
                let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                // Forget finished windows so the map stays as small as the current attackers.
                if map.len() > 10_000 {
                    map.retain(|_, (_, ends)| *ends > now);
                }
                let entry = map.entry(key.to_string()).or_insert((0, now + window));
                if entry.1 <= now {
                    *entry = (0, now + window);
                }
                entry.0 += 1;
            }
            Counters::Redis(pool) => {
                let counted: Result<u64, _> = pool.incr(key).await;
                match counted {
                    // The first failure opens the window.
                    Ok(1) => {
                        let _: Result<bool, _> = pool.pexpire(key, window.as_millis() as i64, None).await;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "counting a failed sign-in failed"),
                }
            }
        }
    }

    async fn clear(&self, key: &str) {
        match self {
            Counters::Local(map) => {
                map.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
            }
            Counters::Redis(pool) => {
                let _: Result<i64, _> = pool.del(key).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SignInLimits {
        SignInLimits::new(Limits { per_account: 3, per_ip: 5, window: Duration::from_millis(300) }, None)
    }

    #[tokio::test]
    async fn an_account_is_blocked_after_its_limit_until_the_window_ends() {
        let l = limits();
        for _ in 0..3 {
            assert!(l.check("a@x.com", None).await.is_ok());
            l.record_failure("a@x.com", None).await;
        }
        let blocked = l.check(" A@X.com", None).await.unwrap_err();
        assert!(blocked.retry_after <= Duration::from_millis(300));
        assert!(l.check("b@x.com", None).await.is_ok(), "other accounts are unaffected");
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(l.check("a@x.com", None).await.is_ok());
    }

    #[tokio::test]
    async fn one_address_is_blocked_across_accounts() {
        let l = limits();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 0..5 {
            l.record_failure(&format!("user{n}@x.com"), Some(ip)).await;
        }
        assert!(l.check("fresh@x.com", Some(ip)).await.is_err());
        assert!(l.check("fresh@x.com", Some("203.0.113.10".parse().unwrap())).await.is_ok());
    }

    #[tokio::test]
    async fn success_clears_the_account_count() {
        let l = limits();
        l.record_failure("a@x.com", None).await;
        l.record_failure("a@x.com", None).await;
        l.record_success("a@x.com").await;
        l.record_failure("a@x.com", None).await;
        l.record_failure("a@x.com", None).await;
        assert!(l.check("a@x.com", None).await.is_ok());
    }

    #[test]
    fn the_message_rounds_up_to_whole_minutes() {
        assert!(Blocked { retry_after: Duration::from_secs(61) }.message().contains("2 minutes"));
        assert!(Blocked { retry_after: Duration::from_millis(10) }.message().contains("1 minute."));
    }
}
