//! Authsignal's authenticator webhooks (`authenticator.created` / `.updated` / `.deleted`):
//! events are written to `webhook_deliveries` with the change they describe, then a
//! background task POSTs them, signed with the secret key, in the order they were made.

mod delivery;
mod event;
mod signature;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub(crate) use event::authenticator_event;
pub use signature::SIGNATURE_HEADER;

use crate::clock::SandboxClock;
use crate::config::SandboxError;
use crate::store::Store;

/// Where the sandbox POSTs Authsignal's authenticator webhook events, and how it retries.
///
/// ```
/// # use authsignal_sandbox::WebhookTarget;
/// let target = WebhookTarget::new("http://127.0.0.1:3000/webhooks/authsignal");
/// assert_eq!(target.max_attempts, 10);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// The receiver (http or https), e.g. `http://127.0.0.1:3000/webhooks/authsignal`.
    pub url: String,
    /// The wait after the first failed attempt; it doubles after each further one, up to
    /// ten minutes. Tests set a few milliseconds.
    pub retry_base: Duration,
    /// Attempts (the first one included) before an event is given up on.
    pub max_attempts: u32,
}

impl WebhookTarget {
    /// `url` with the default retries: 1 s, 2 s, 4 s … for 10 attempts in all.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Refuses what would only fail at every attempt: a URL that isn't http(s), no attempts.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let parsed = url::Url::parse(&self.url).map_err(|e| {
            SandboxError::Config(format!("webhook URL {:?} is not a URL: {e}", self.url))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SandboxError::Config(format!(
                "webhook URL {:?} must be http or https",
                self.url
            )));
        }
        if self.max_attempts == 0 {
            return Err(SandboxError::Config(
                "webhook max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

impl Default for WebhookTarget {
    fn default() -> Self {
        Self {
            url: String::new(),
            retry_base: Duration::from_secs(1),
            max_attempts: 10,
        }
    }
}

/// What the delivery task reads from the sandbox it serves (the shared state implements
/// it), so this module needs no import of the state.
pub(crate) trait DeliverySource: Send + Sync + 'static {
    fn store(&self) -> &Store;
    fn clock(&self) -> &SandboxClock;
    /// The tenant secret key events are signed with.
    fn secret_key(&self) -> &str;
    /// A test fault's wait before each delivery, if one is set.
    fn delivery_delay(&self) -> Option<std::time::Duration> {
        None
    }
}

/// A sandbox's webhook set-up, shared by every state rebuilt from it (`with_clock` …).
#[derive(Debug, Clone)]
pub(crate) struct Webhooks {
    pub target: WebhookTarget,
    /// Wakes the delivery task when an event is written.
    pub wake: Arc<Notify>,
    /// One delivery task per sandbox, however often `router()` is called.
    running: Arc<AtomicBool>,
}

impl Webhooks {
    pub(crate) fn new(target: WebhookTarget) -> Result<Webhooks, SandboxError> {
        target.validate()?;
        Ok(Webhooks {
            target,
            wake: Arc::new(Notify::new()),
            running: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Starts the delivery task for `state` unless one runs already. It holds the state
    /// weakly, so it ends once every router made from it is gone.
    pub(crate) fn start_delivery<S: DeliverySource>(&self, state: &Arc<S>) {
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let task = delivery::run(Arc::downgrade(state), self.clone());
                runtime.spawn(task);
            }
            Err(_) => {
                self.running.store(false, Ordering::SeqCst);
                tracing::error!("no tokio runtime: webhook events are kept but not sent until router() is called inside one");
            }
        }
    }

    fn stopped(&self) {
        self.running.store(false, Ordering::SeqCst);
    }
}
