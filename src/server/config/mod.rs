//! Typed settings, parsed once at start-up from the environment (DESIGN.md §2).

pub mod site;

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// Where the storefront reaches Authsignal.
#[derive(Debug, Clone)]
pub enum AuthsignalMode {
    /// No secret key configured: the sandbox is mounted in-process at `/sandbox`.
    EmbeddedSandbox {
        secret_key: SecretString,
        database_url: String,
        test_hooks: bool,
    },
    /// A real tenant.
    Tenant {
        secret_key: SecretString,
        api_url: Url,
    },
}

/// How the pre-built UI opens: a full-page redirect, or (with JavaScript) a dialog over the
/// account page. Redirect is the default: Authsignal warns that passkeys in an iframe vary by
/// browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrebuiltUi {
    Redirect,
    Popup,
}

/// Where sign-in's and reset's second step happens: Authsignal's pre-built UI (the default),
/// or the storefront's own page calling the Client API (`STOREFRONT_CHALLENGE_UI=custom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeUi {
    Prebuilt,
    Custom,
}

/// What sign-in does when Authsignal answers `ALLOW` for a customer it reports as enrolled:
/// the tenant's `signIn` action then lets a password alone through, which is almost always a
/// configuration mistake (its default outcome left at ALLOW).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolledAllowPolicy {
    /// Refuse the sign-in (fail closed) and log the misconfiguration. The default.
    Refuse,
    /// Honour the tenant's rules: sign in with the password alone.
    Honour,
}

/// Everything the server needs to know, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Public origin, used to build redirect URLs (never the request's Host header).
    pub base_url: Url,
    /// SQLite (default) or Postgres; secret because a Postgres URL can carry a password.
    pub database_url: SecretString,
    pub authsignal: AuthsignalMode,
    pub session_inactivity: Duration,
    /// Sessions (and sign-in rate limits) in Redis, shared by every instance; else in the database.
    pub redis_url: Option<SecretString>,
    /// How long one Authsignal request may take before the page says it is unavailable.
    pub authsignal_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed; empty = use the peer address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in attempts allowed per account and per client address, and sign-ups per address, in each window.
    pub sign_in_limits: crate::server::accounts::limits::Limits,
    pub prebuilt_ui: PrebuiltUi,
    pub challenge_ui: ChallengeUi,
    pub enrolled_allow: EnrolledAllowPolicy,
    /// The Authsignal tenant id the Web SDK presents (not a secret); without one, the pages
    /// that use the Web SDK (adding a passkey in place, passkey sign-in) are off.
    pub tenant_id: Option<String>,
    /// The key Authsignal's webhook deliveries are signed with. Set, the activity log and the
    /// receipts come from webhooks (embedded: the sandbox's key, always on).
    pub webhook_secret: Option<SecretString>,
    /// Where mail goes (`smtp://host:port`, `smtps://user:pass@host`); unset, it is kept:
    /// listed at `/dev/mailbox` in embedded mode, unsent otherwise.
    pub smtp_url: Option<SecretString>,
    /// The From of every message.
    pub mail_from: String,
    /// Sign-up mails a code to verify the email, then enrolls it for two-step sign-in
    /// (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL=1`; off by default).
    pub sign_up_verifies_email: bool,
}

/// A configuration problem, naming the variable so one log line says what to fix.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

fn invalid(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        reason: reason.into(),
    }
}

const DEFAULT_API_URL: &str = "https://api.authsignal.com/v1";
const DEFAULT_SANDBOX_SECRET: &str = "sandbox-secret";
/// The embedded sandbox's tenant id, which its Client API accepts from the Web SDK.
pub const EMBEDDED_TENANT_ID: &str = "sandbox-tenant";

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    /// A blank variable counts as unset, except the secret key, where blank is a mistake.
    pub fn from_lookup(
        raw_lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let lookup = |name: &str| raw_lookup(name).filter(|v| !v.trim().is_empty());
        let base_url = parse_origin(
            "STOREFRONT_BASE_URL",
            &lookup("STOREFRONT_BASE_URL").unwrap_or_else(|| "http://localhost:3000".into()),
        )?;
        let data_dir = lookup("STOREFRONT_DATA_DIR").unwrap_or_else(|| "data".into());
        let authsignal = authsignal_mode(&raw_lookup, &lookup, &base_url, &data_dir)?;
        let minutes = bounded_number(
            "STOREFRONT_SESSION_INACTIVITY_MINUTES",
            lookup("STOREFRONT_SESSION_INACTIVITY_MINUTES"),
            1..=60 * 24 * 30,
            "must be a whole number of minutes between 1 and 43200",
        )?;
        let timeout_ms = bounded_number(
            "AUTHSIGNAL_TIMEOUT_MS",
            lookup("AUTHSIGNAL_TIMEOUT_MS"),
            50..=60_000,
            "must be a whole number of milliseconds between 50 and 60000",
        )?;
        let prebuilt_ui = one_of(
            "STOREFRONT_PREBUILT_UI",
            lookup("STOREFRONT_PREBUILT_UI"),
            &[
                ("redirect", PrebuiltUi::Redirect),
                ("popup", PrebuiltUi::Popup),
            ],
            "must be redirect or popup",
        )?;
        let challenge_ui = one_of(
            "STOREFRONT_CHALLENGE_UI",
            lookup("STOREFRONT_CHALLENGE_UI"),
            &[
                ("prebuilt", ChallengeUi::Prebuilt),
                ("custom", ChallengeUi::Custom),
            ],
            "must be prebuilt or custom",
        )?;
        let enrolled_allow = one_of(
            "STOREFRONT_ENROLLED_ALLOW",
            lookup("STOREFRONT_ENROLLED_ALLOW"),
            &[
                ("refuse", EnrolledAllowPolicy::Refuse),
                ("honour", EnrolledAllowPolicy::Honour),
            ],
            "must be refuse or honour",
        )?;
        let (tenant_id, webhook_secret) = match &authsignal {
            AuthsignalMode::EmbeddedSandbox { secret_key, .. } => (
                Some(EMBEDDED_TENANT_ID.to_string()),
                Some(secret_key.clone()),
            ),
            AuthsignalMode::Tenant { .. } => (
                lookup("AUTHSIGNAL_TENANT_ID"),
                lookup("AUTHSIGNAL_WEBHOOK_SECRET").map(SecretString::from),
            ),
        };
        Ok(Settings {
            webhook_secret,
            smtp_url: smtp_url(lookup("STOREFRONT_SMTP_URL"))?,
            mail_from: mail_from(lookup("STOREFRONT_MAIL_FROM"), &base_url)?,
            tenant_id,
            enrolled_allow,
            prebuilt_ui,
            challenge_ui,
            sign_in_limits: sign_in_limits(&lookup)?,
            authsignal_timeout: Duration::from_millis(timeout_ms.unwrap_or(2_000)),
            trusted_proxies: trusted_proxies(lookup("STOREFRONT_TRUSTED_PROXIES"))?,
            database_url: database_url(lookup("DATABASE_URL"), &data_dir)?,
            authsignal,
            session_inactivity: Duration::from_secs(minutes.unwrap_or(12 * 60) * 60),
            redis_url: lookup("REDIS_URL").map(SecretString::from),
            base_url,
            sign_up_verifies_email: parse_flag(
                "STOREFRONT_SIGN_UP_VERIFIES_EMAIL",
                lookup("STOREFRONT_SIGN_UP_VERIFIES_EMAIL"),
            )?,
        })
    }

    /// Cookies get `Secure` whenever the public origin is https.
    pub fn cookies_secure(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// Whether Authsignal's webhooks report authenticator changes (and so write the activity
    /// lines and receipts for them).
    pub fn webhooks_on(&self) -> bool {
        self.webhook_secret.is_some()
    }

    /// The dev mailbox is served only with the embedded sandbox (loopback) and no SMTP server.
    pub fn dev_mailbox(&self) -> bool {
        self.smtp_url.is_none() && matches!(self.authsignal, AuthsignalMode::EmbeddedSandbox { .. })
    }

    /// The base URL without a trailing slash, for building absolute links.
    pub fn origin(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_string()
    }
}

/// `localhost`, `127.0.0.0/8` or `[::1]`: only this machine can reach it.
fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn parse_origin(variable: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| invalid(variable, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            variable,
            "must be an http(s) origin such as https://shop.example.com",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return Err(invalid(
            variable,
            "must be an origin without path, query or fragment",
        ));
    }
    Ok(url)
}

/// A limit between 1 and 10,000 (default when unset).
fn parse_count(
    variable: &'static str,
    raw: Option<String>,
    default: u64,
) -> Result<u64, ConfigError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| invalid(variable, "must be a whole number between 1 and 10000")),
    }
}

fn parse_flag(variable: &'static str, raw: Option<String>) -> Result<bool, ConfigError> {
    match raw.as_deref().map(str::trim) {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(_) => Err(invalid(variable, "must be 1/true or 0/false")),
    }
}

/// `DATABASE_URL`, or the default SQLite file in the data directory.
fn database_url(raw: Option<String>, data_dir: &str) -> Result<SecretString, ConfigError> {
    let url = raw.unwrap_or_else(|| format!("sqlite://{data_dir}/storefront.db?mode=rwc"));
    if crate::server::db::Backend::of(&url).is_none() {
        return Err(invalid(
            "DATABASE_URL",
            "expected sqlite://path?mode=rwc or postgres://user@host/database",
        ));
    }
    Ok(SecretString::from(url))
}

/// A real tenant when a secret key is set; otherwise the embedded sandbox, only on loopback.
fn authsignal_mode(
    raw_lookup: &impl Fn(&str) -> Option<String>,
    lookup: &impl Fn(&str) -> Option<String>,
    base_url: &Url,
    data_dir: &str,
) -> Result<AuthsignalMode, ConfigError> {
    match raw_lookup("AUTHSIGNAL_SECRET_KEY") {
        Some(secret) if secret.trim().is_empty() => Err(invalid(
            "AUTHSIGNAL_SECRET_KEY",
            "is set but empty; set the tenant's secret key, or unset it for the local sandbox",
        )),
        Some(secret) => {
            let raw = lookup("AUTHSIGNAL_API_URL").unwrap_or_else(|| DEFAULT_API_URL.into());
            let api_url = Url::parse(&raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
                .ok_or_else(|| {
                    invalid(
                        "AUTHSIGNAL_API_URL",
                        "must be an http(s) URL such as https://api.authsignal.com/v1",
                    )
                })?;
            Ok(AuthsignalMode::Tenant {
                secret_key: SecretString::from(secret),
                api_url,
            })
        }
        None if !is_loopback_host(base_url) => Err(invalid(
            "AUTHSIGNAL_SECRET_KEY",
            "is required when STOREFRONT_BASE_URL is not a loopback address: the built-in sandbox \
             publishes every customer's one-time codes and must never face the internet",
        )),
        None => Ok(AuthsignalMode::EmbeddedSandbox {
            secret_key: SecretString::from(
                lookup("AUTHSIGNAL_SANDBOX_SECRET_KEY")
                    .unwrap_or_else(|| DEFAULT_SANDBOX_SECRET.into()),
            ),
            database_url: lookup("AUTHSIGNAL_SANDBOX_DATABASE_URL")
                .unwrap_or_else(|| format!("sqlite://{data_dir}/sandbox.db?mode=rwc")),
            test_hooks: parse_flag(
                "AUTHSIGNAL_SANDBOX_FAULTS",
                lookup("AUTHSIGNAL_SANDBOX_FAULTS"),
            )?,
        }),
    }
}

/// A whole number within `range`, if set.
fn bounded_number(
    name: &'static str,
    raw: Option<String>,
    range: std::ops::RangeInclusive<u64>,
    message: &'static str,
) -> Result<Option<u64>, ConfigError> {
    match raw {
        None => Ok(None),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or_else(|| invalid(name, message)),
    }
}

/// One of a few words (the first is the default).
fn one_of<T: Copy>(
    name: &'static str,
    raw: Option<String>,
    choices: &[(&str, T)],
    message: &'static str,
) -> Result<T, ConfigError> {
    let Some(raw) = raw else {
        return Ok(choices[0].1);
    };
    choices
        .iter()
        .find(|(word, _)| *word == raw.trim())
        .map(|(_, value)| *value)
        .ok_or_else(|| invalid(name, message))
}

fn trusted_proxies(raw: Option<String>) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|ip| ip.trim().parse())
        .collect::<Result<Vec<std::net::IpAddr>, _>>()
        .map_err(|_| {
            invalid(
                "STOREFRONT_TRUSTED_PROXIES",
                "must be a comma-separated list of IP addresses",
            )
        })
}

fn sign_in_limits(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<crate::server::accounts::limits::Limits, ConfigError> {
    let defaults = crate::server::accounts::limits::Limits::default();
    let count = |name: &'static str, default| parse_count(name, lookup(name), default);
    Ok(crate::server::accounts::limits::Limits {
        per_account: count(
            "STOREFRONT_SIGN_IN_FAILURES_PER_ACCOUNT",
            defaults.per_account,
        )?,
        per_ip: count("STOREFRONT_SIGN_IN_FAILURES_PER_IP", defaults.per_ip)?,
        sign_ups_per_ip: count("STOREFRONT_SIGN_UPS_PER_IP", defaults.sign_ups_per_ip)?,
        window: defaults.window,
    })
}

/// The message never repeats the URL: it can carry a password.
fn smtp_url(raw: Option<String>) -> Result<Option<SecretString>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some())
        .ok_or_else(|| {
            invalid(
                "STOREFRONT_SMTP_URL",
                "must be smtp://host:port or smtps://user:password@host",
            )
        })?;
    Ok(Some(SecretString::from(raw.trim().to_string())))
}

fn mail_from(raw: Option<String>, base_url: &Url) -> Result<String, ConfigError> {
    let mail_from = raw.unwrap_or_else(|| {
        // An address needs a domain; a shop on a bare IP sends as localhost.
        let host = match base_url.host() {
            Some(url::Host::Domain(domain)) => domain,
            _ => "localhost",
        };
        format!("Northwind Supply <no-reply@{host}>")
    });
    if mail_from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "STOREFRONT_MAIL_FROM",
            "must be an address such as Shop <no-reply@shop.example.com>",
        ));
    }
    Ok(mail_from)
}

#[cfg(test)]
mod tests {
    use crate::server::config::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_the_embedded_sandbox_on_localhost() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.origin(), "http://localhost:3000");
        assert!(!s.cookies_secure());
        assert!(matches!(
            s.authsignal,
            AuthsignalMode::EmbeddedSandbox { .. }
        ));
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&s.database_url),
            "sqlite://data/storefront.db?mode=rwc"
        );
    }

    #[test]
    fn a_secret_key_selects_the_real_tenant() {
        let s = settings(&[
            ("AUTHSIGNAL_SECRET_KEY", "sk_live"),
            ("STOREFRONT_BASE_URL", "https://shop.example.com"),
        ])
        .unwrap();
        match &s.authsignal {
            AuthsignalMode::Tenant {
                secret_key,
                api_url,
            } => {
                assert_eq!(secret_key.expose_secret(), "sk_live");
                assert_eq!(api_url.as_str(), "https://api.authsignal.com/v1");
            }
            other => panic!("expected tenant mode, got {other:?}"),
        }
        assert!(s.cookies_secure());
    }

    #[test]
    fn the_sandbox_is_embedded_only_for_a_loopback_origin() {
        for origin in [
            "http://localhost:3000",
            "http://127.0.0.1:3000",
            "http://127.8.9.1",
            "http://[::1]:3000",
        ] {
            let s = settings(&[("STOREFRONT_BASE_URL", origin)]).unwrap();
            assert!(
                matches!(s.authsignal, AuthsignalMode::EmbeddedSandbox { .. }),
                "{origin}"
            );
        }
        for origin in [
            "https://shop.example.com",
            "http://10.0.0.5:3000",
            "http://localhost.example.com",
            "http://[2001:db8::1]",
        ] {
            let err = settings(&[("STOREFRONT_BASE_URL", origin)]).unwrap_err();
            assert_eq!(err.variable, "AUTHSIGNAL_SECRET_KEY", "{origin}");
        }
    }

    #[test]
    fn an_empty_secret_key_is_a_mistake_not_the_sandbox() {
        for blank in ["", "   "] {
            let err = settings(&[("AUTHSIGNAL_SECRET_KEY", blank)]).unwrap_err();
            assert_eq!(err.variable, "AUTHSIGNAL_SECRET_KEY");
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("STOREFRONT_BASE_URL", "not a url"),
            ("STOREFRONT_BASE_URL", "ftp://x"),
            ("STOREFRONT_BASE_URL", "https://x/shop?y"),
            ("DATABASE_URL", "mysql://x"),
            ("STOREFRONT_SESSION_INACTIVITY_MINUTES", "soon"),
            ("AUTHSIGNAL_SANDBOX_FAULTS", "maybe"),
            ("AUTHSIGNAL_TIMEOUT_MS", "0"),
            ("STOREFRONT_TRUSTED_PROXIES", "10.0.0.1, nope"),
            ("STOREFRONT_PREBUILT_UI", "iframe"),
            ("STOREFRONT_CHALLENGE_UI", "hosted"),
            ("STOREFRONT_ENROLLED_ALLOW", "maybe"),
        ] {
            let err = settings(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var);
            assert!(err.to_string().contains(var));
        }
        let err = settings(&[
            ("AUTHSIGNAL_SECRET_KEY", "sk_distinctive_value"),
            ("AUTHSIGNAL_API_URL", "nope"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "AUTHSIGNAL_API_URL");
        assert!(
            !err.to_string().contains("sk_distinctive_value"),
            "the secret must not appear in the error"
        );
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let s = settings(&[("AUTHSIGNAL_SECRET_KEY", "sk_live_topsecret")]).unwrap();
        assert!(!format!("{s:?}").contains("topsecret"));
    }
}
