//! Slows password guessing and sign-up floods. Every sign-in attempt is counted per account
//! and per client address *before* its password is checked, with one atomic increment per
//! key, so a burst of parallel guesses gets no more checks than the limit; a correct password
//! gives its attempt back. Sign-ups are counted per address the same way. Counters live in
//! Redis when sessions do (shared by every instance), else in this process (bounded).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tower_sessions_redis_store::fred::prelude::{KeysInterface, Pool as RedisPool};

/// How many attempts each key may have in one window.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_account: u64,
    pub per_ip: u64,
    pub sign_ups_per_ip: u64,
    pub window: Duration,
}

impl Default for Limits {
    /// Five wrong passwords for one account, twenty failed sign-ins or ten sign-ups from one
    /// address, per 15 minutes.
    fn default() -> Self {
        Limits {
            per_account: 5,
            per_ip: 20,
            sign_ups_per_ip: 10,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// At most this many local counters; past it (after forgetting finished windows) the window
/// that ends soonest is forgotten, so memory stays bounded and nobody is locked out.
const MAX_LOCAL_KEYS: usize = 100_000;

/// Why an attempt is refused before its password is checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Blocked {
    pub retry_after: Duration,
}

impl Blocked {
    /// What the sign-in form says.
    pub fn message(&self) -> String {
        format!(
            "Too many failed sign-in attempts. Try again in {}.",
            self.minutes()
        )
    }

    /// What the sign-up form says.
    pub fn sign_up_message(&self) -> String {
        format!(
            "Too many accounts were created from your network. Try again in {}.",
            self.minutes()
        )
    }

    fn minutes(&self) -> String {
        let minutes = self.retry_after.as_secs().div_ceil(60).max(1);
        format!(
            "{minutes} {}",
            if minutes == 1 { "minute" } else { "minutes" }
        )
    }
}

#[derive(Clone)]
pub struct SignInLimits {
    limits: Limits,
    counters: Counters,
}

/// A counted sign-in attempt; `succeeded` gives it back.
#[must_use]
pub struct Attempt {
    account: Option<String>,
    ip: Option<String>,
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

    /// Counts one sign-in attempt against the account and the address; refused when either
    /// is over its limit (the attempt stays counted: guessing on keeps the window full).
    pub async fn attempt(&self, email: &str, ip: Option<IpAddr>) -> Result<Attempt, Blocked> {
        // The address first: a blocked address adds no account keys, however many it invents.
        let mut attempt = self.count_address(None, ip).await?;
        let account = account_key(email);
        self.counters
            .count(&account, self.limits.per_account, self.limits.window)
            .await?;
        attempt.account = Some(account);
        Ok(attempt)
    }

    /// Counts one passkey sign-in attempt against the address (no account is named before
    /// the passkey answers): failed passkey sign-ins are limited like passwords.
    pub async fn passkey_attempt(&self, ip: Option<IpAddr>) -> Result<Attempt, Blocked> {
        self.count_address(None, ip).await
    }

    async fn count_address(
        &self,
        account: Option<String>,
        ip: Option<IpAddr>,
    ) -> Result<Attempt, Blocked> {
        let attempt = Attempt {
            account,
            ip: ip.map(address_key),
        };
        if let Some(ip) = &attempt.ip {
            self.counters
                .count(ip, self.limits.per_ip, self.limits.window)
                .await?;
        }
        Ok(attempt)
    }

    /// The sign-in succeeded: the account starts afresh and the address gets its attempt back.
    pub async fn succeeded(&self, attempt: Attempt) {
        if let Some(account) = &attempt.account {
            self.counters.clear(account).await;
        }
        if let Some(ip) = &attempt.ip {
            self.counters.give_back(ip).await;
        }
    }

    /// True the first time `key` is seen in a window: a sign-in token is used once.
    pub async fn first_use(&self, key: &str) -> bool {
        let key = format!("signin:used:{}", hash_hex(key));
        self.counters
            .count(&key, 1, self.limits.window)
            .await
            .is_ok()
    }

    /// Counts one sign-up from `ip`; refused past the limit.
    pub async fn sign_up(&self, ip: Option<IpAddr>) -> Result<(), Blocked> {
        match ip {
            Some(ip) => {
                self.counters
                    .count(
                        &format!("signup:ip:{ip}"),
                        self.limits.sign_ups_per_ip,
                        self.limits.window,
                    )
                    .await
            }
            None => Ok(()),
        }
    }
}

/// Reset requests per requesting address in each window (refused past it, with a message).
const RESETS_PER_ADDRESS: u64 = 10;
/// Reset links sent to one account for one requester in each window.
const RESETS_PER_ACCOUNT_AND_REQUESTER: u64 = 3;

impl SignInLimits {
    /// Counts one "forgot password" request against the requesting address: refused past its
    /// limit, whatever the email (the answer says nothing about the account).
    pub async fn password_reset(&self, ip: Option<IpAddr>) -> Result<(), Blocked> {
        match ip {
            Some(ip) => {
                let key = format!("reset:{}", address_key(ip));
                self.counters
                    .count(&key, RESETS_PER_ADDRESS, self.limits.window)
                    .await
            }
            None => Ok(()),
        }
    }

    /// Counts one reset link about to be sent to the account of `email` for one requester
    /// (the customer's own browser, or a network): each requester has its own budget, so
    /// nobody can use up the links of another. False: this requester had its links for now.
    pub async fn reset_link(&self, email: &str, requester: &str) -> bool {
        let key = format!("reset:{}:{}", account_key(email), hash_hex(requester));
        self.counters
            .count(&key, RESETS_PER_ACCOUNT_AND_REQUESTER, self.limits.window)
            .await
            .is_ok()
    }
}

impl Blocked {
    /// What the forgot-password form says.
    pub fn reset_message(&self) -> String {
        format!(
            "Too many reset requests from your network. Try again in {}.",
            self.minutes()
        )
    }
}

/// Email verification codes mailed to one address in each hour (sign-up's and "Send a new code").
const VERIFICATION_CODES_PER_ADDRESS: u64 = 5;
const VERIFICATION_CODE_WINDOW: Duration = Duration::from_secs(60 * 60);

impl SignInLimits {
    /// Counts one verification code about to be mailed to `email`: refused past the hourly limit.
    pub async fn verification_code(&self, email: &str) -> Result<(), Blocked> {
        let key = format!("verify:{}", account_key(email));
        self.counters
            .count(
                &key,
                VERIFICATION_CODES_PER_ADDRESS,
                VERIFICATION_CODE_WINDOW,
            )
            .await
    }
}

impl Blocked {
    /// What the verify-email page says.
    pub fn verification_code_message(&self) -> String {
        format!(
            "We've sent this address several codes already. Try again in {}.",
            self.minutes()
        )
    }
}

/// Codes Authsignal is asked to send (adding email or SMS codes in place, a second step on our
/// own page) in each hour: per customer, so nobody sprays addresses, and per address, so nobody
/// floods one inbox or phone.
const CLIENT_CODES_PER_CUSTOMER: u64 = 10;
const CLIENT_CODES_PER_ADDRESS: u64 = 5;
const CLIENT_CODE_WINDOW: Duration = Duration::from_secs(60 * 60);

impl SignInLimits {
    /// Counts one code about to be sent for `user_id` to `address`: refused past either limit.
    pub async fn client_code(&self, user_id: &str, address: &str) -> Result<(), Blocked> {
        let to = format!("code:to:{}", account_key(address));
        let by = format!("code:by:{}", hash_hex(user_id));
        let to = self
            .counters
            .count(&to, CLIENT_CODES_PER_ADDRESS, CLIENT_CODE_WINDOW);
        let by = self
            .counters
            .count(&by, CLIENT_CODES_PER_CUSTOMER, CLIENT_CODE_WINDOW);
        let (to, by) = tokio::join!(to, by);
        to.and(by)
    }
}

/// Wrong second-step codes one customer may enter on our own page in each window, across
/// sign-ins: a right password starts a new action (and Authsignal's per-action cap) each time.
const SECOND_STEP_GUESSES_PER_CUSTOMER: u64 = 10;

impl SignInLimits {
    /// Counts one code about to be checked at `user_id`'s second step: refused past the limit.
    pub async fn second_step_guess(&self, user_id: &str) -> Result<(), Blocked> {
        let key = format!("second-step:{}", hash_hex(user_id));
        self.counters
            .count(&key, SECOND_STEP_GUESSES_PER_CUSTOMER, self.limits.window)
            .await
    }
}

/// An IPv4 address, or an IPv6 /64 (what one customer's network is usually given), so one
/// network cannot guess on with a fresh address per attempt.
pub(crate) fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("signin:ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!(
                "signin:ip6:{:x}:{:x}:{:x}:{:x}::/64",
                s[0], s[1], s[2], s[3]
            )
        }
    }
}

/// Keyed by a hash of the normalised email: "A@x.com " and "a@x.com" share a count, and a
/// 64 KiB "email" makes a key as short as any other.
fn account_key(email: &str) -> String {
    // The account lookup's own normalisation (IDNA too): every spelling of one account shares
    // a count; text that is no email at all falls back to trimmed lower case.
    let normalised = crate::domain::Email::parse(email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    format!("signin:account:{}", hash_hex(&normalised))
}

/// 128 bits of SHA-256, in hex: a short key for any input.
fn hash_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl Counters {
    /// Adds one to `key` and refuses when that makes it more than `limit` in this window.
    async fn count(&self, key: &str, limit: u64, window: Duration) -> Result<(), Blocked> {
        match self {
            Counters::Local(map) => {
                let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if map.len() >= MAX_LOCAL_KEYS && !map.contains_key(key) {
                    map.retain(|_, (_, ends)| *ends > now);
                    // Still full: forget the window that ends soonest rather than refuse
                    // everyone new (a full table must not lock the shop).
                    if map.len() >= MAX_LOCAL_KEYS {
                        tracing::warn!("sign-in limit table full; forgetting the oldest window");
                        let oldest = map
                            .iter()
                            .min_by_key(|(_, (_, ends))| *ends)
                            .map(|(k, _)| k.clone());
                        if let Some(oldest) = oldest {
                            map.remove(&oldest);
                        }
                    }
                }
                let entry = map.entry(key.to_string()).or_insert((0, now + window));
                if entry.1 <= now {
                    *entry = (0, now + window);
                }
                entry.0 += 1;
                if entry.0 > limit {
                    return Err(Blocked {
                        retry_after: entry.1 - now,
                    });
                }
                Ok(())
            }
            Counters::Redis(pool) => {
                let counted: u64 = match pool.incr(key).await {
                    Ok(count) => count,
                    // Redis unreachable: let the attempt through (sessions fail it anyway) rather than lock everyone out.
                    Err(e) => {
                        tracing::warn!(error = %e, "sign-in limit unavailable");
                        return Ok(());
                    }
                };
                // The first attempt opens the window.
                if counted == 1 {
                    let _: Result<bool, _> =
                        pool.pexpire(key, window.as_millis() as i64, None).await;
                }
                if counted <= limit {
                    return Ok(());
                }
                let ttl: i64 = pool.pttl(key).await.unwrap_or(-1);
                if ttl < 0 {
                    // A window without an end (its expiry was lost): give it one again.
                    let _: Result<bool, _> =
                        pool.pexpire(key, window.as_millis() as i64, None).await;
                }
                let retry_after = if ttl > 0 {
                    Duration::from_millis(ttl as u64)
                } else {
                    window
                };
                Err(Blocked { retry_after })
            }
        }
    }

    /// Takes one back (never below zero), for an attempt that turned out to be legitimate.
    async fn give_back(&self, key: &str) {
        match self {
            Counters::Local(map) => {
                if let Some((count, _)) = map.lock().unwrap_or_else(|p| p.into_inner()).get_mut(key)
                {
                    *count = count.saturating_sub(1);
                }
            }
            Counters::Redis(pool) => {
                let left: Result<i64, _> = pool.decr(key).await;
                if matches!(left, Ok(n) if n < 0) {
                    let _: Result<i64, _> = pool.del(key).await;
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
    use crate::server::accounts::limits::*;

    fn limits() -> SignInLimits {
        SignInLimits::new(
            Limits {
                per_account: 3,
                per_ip: 5,
                sign_ups_per_ip: 2,
                window: Duration::from_millis(300),
            },
            None,
        )
    }

    #[tokio::test]
    async fn an_account_gets_its_limit_of_attempts_until_the_window_ends() {
        let l = limits();
        for _ in 0..3 {
            assert!(l.attempt("a@x.com", None).await.is_ok());
        }
        let blocked = l
            .attempt(" A@X.com", None)
            .await
            .err()
            .expect("the fourth attempt is refused");
        assert!(blocked.retry_after <= Duration::from_millis(300));
        assert!(
            l.attempt("b@x.com", None).await.is_ok(),
            "other accounts are unaffected"
        );
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(l.attempt("a@x.com", None).await.is_ok());
    }

    #[tokio::test]
    async fn one_address_is_limited_across_accounts() {
        let l = limits();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 0..5 {
            assert!(l.attempt(&format!("user{n}@x.com"), Some(ip)).await.is_ok());
        }
        assert!(l.attempt("fresh@x.com", Some(ip)).await.is_err());
        assert!(l
            .attempt("fresh@x.com", Some("203.0.113.10".parse().unwrap()))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn success_gives_the_attempts_back() {
        let l = limits();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let _ = l.attempt("a@x.com", Some(ip)).await.unwrap();
        let _ = l.attempt("a@x.com", Some(ip)).await.unwrap();
        let right = l.attempt("a@x.com", Some(ip)).await.unwrap();
        l.succeeded(right).await;
        for _ in 0..3 {
            assert!(
                l.attempt("a@x.com", Some(ip)).await.is_ok(),
                "the account starts afresh"
            );
        }
    }

    #[tokio::test]
    async fn every_spelling_of_one_account_shares_a_count() {
        assert_eq!(
            account_key("victim@ｅxample.com"),
            account_key("Victim@example.com")
        );
        assert_eq!(account_key(" A@X.com "), account_key("a@x.com"));
    }

    #[test]
    fn an_ipv6_network_is_one_address() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
    }

    #[tokio::test]
    async fn a_blocked_address_adds_no_account_keys() {
        let l = limits();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 0..50 {
            let _ = l.attempt(&format!("user{n}@x.com"), Some(ip)).await;
        }
        let Counters::Local(map) = &l.counters else {
            unreachable!()
        };
        assert!(
            map.lock().unwrap().len() <= 6,
            "5 accounts and the address, not 50"
        );
    }

    #[tokio::test]
    async fn huge_emails_make_short_keys() {
        assert_eq!(
            account_key(&"a".repeat(65_536)).len(),
            account_key("a@x.com").len()
        );
        assert_eq!(account_key(" A@X.com "), account_key("a@x.com"));
    }

    #[tokio::test]
    async fn sign_ups_are_limited_per_address() {
        let l = limits();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        assert!(l.sign_up(Some(ip)).await.is_ok());
        assert!(l.sign_up(Some(ip)).await.is_ok());
        assert!(l.sign_up(Some(ip)).await.is_err());
    }

    #[test]
    fn the_message_rounds_up_to_whole_minutes() {
        assert!(Blocked {
            retry_after: Duration::from_secs(61)
        }
        .message()
        .contains("2 minutes"));
        assert!(Blocked {
            retry_after: Duration::from_millis(10)
        }
        .message()
        .contains("1 minute."));
    }
}
