//! The delivery task: POSTs the oldest pending event until it is delivered or given up on,
//! then the next, so a receiver sees events in the order they were made.

use std::sync::Weak;
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;

use super::signature::{signature_header, SIGNATURE_HEADER};
use super::{DeliverySource, WebhookTarget, Webhooks};
use crate::clock::to_millis;
use crate::store::{Attempt, DeliveryRow};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);
/// A safety net besides the wake-up: also how soon the task notices its sandbox is gone.
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// What the task does after one step.
enum Next {
    Now,
    After(Duration),
    WhenWoken,
}

pub(super) async fn run<S: DeliverySource>(state: Weak<S>, webhooks: Webhooks) {
    let client = match reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        // A redirect is not a delivery; Authsignal's docs ask for a 2xx.
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook HTTP client; no webhooks will be sent");
            webhooks.stopped();
            return;
        }
    };
    loop {
        let Some(shared) = state.upgrade() else { break };
        let next = match shared.store().next_webhook_delivery().await {
            Ok(Some(delivery)) => attempt(&client, &*shared, &webhooks.target, delivery).await,
            Ok(None) => Next::WhenWoken,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read pending webhook deliveries");
                Next::After(IDLE_CHECK)
            }
        };
        // Not held while waiting, so a dropped sandbox is freed.
        drop(shared);
        match next {
            Next::Now => {}
            Next::After(wait) => tokio::time::sleep(wait).await,
            Next::WhenWoken => {
                tokio::select! {
                    () = webhooks.wake.notified() => {}
                    () = tokio::time::sleep(IDLE_CHECK) => {}
                }
            }
        }
    }
    webhooks.stopped();
}

/// One POST of `delivery`, recorded; says when to go on.
async fn attempt(
    client: &reqwest::Client,
    shared: &impl DeliverySource,
    target: &WebhookTarget,
    delivery: DeliveryRow,
) -> Next {
    let number = u32::try_from(delivery.attempts)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    if let Some(delay) = shared.delivery_delay() {
        tokio::time::sleep(delay).await;
    }
    // Signed when sent, so a retry carries a fresh timestamp within the SDKs' 5 minutes.
    let signed_at = shared.clock().now().unix_timestamp();
    let result = client
        .post(&target.url)
        .header(CONTENT_TYPE, "application/json")
        .header(
            SIGNATURE_HEADER,
            signature_header(shared.secret_key(), signed_at, &delivery.body),
        )
        .body(delivery.body.clone())
        .send()
        .await;
    let (status, error) = match result {
        Ok(response) => (Some(response.status().as_u16()), None),
        // Without the URL: it may carry a token of the receiver's.
        Err(e) => (None, Some(e.without_url().to_string())),
    };
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let abandoned = !delivered && number >= target.max_attempts;
    let outcome = Attempt {
        status,
        error: error.clone(),
        delivered,
        abandoned,
    };
    let now = to_millis(shared.clock().now());
    if let Err(e) = shared
        .store()
        .record_webhook_attempt(delivery.id, &outcome, now)
        .await
    {
        tracing::warn!(error = %e, event_id = %delivery.event_id, "cannot record a webhook attempt");
        return Next::After(IDLE_CHECK);
    }
    if delivered {
        tracing::debug!(event_id = %delivery.event_id, event_type = %delivery.event_type, attempt = number, "webhook delivered");
        return Next::Now;
    }
    let answer = status.map_or_else(|| error.unwrap_or_default(), |s| format!("HTTP {s}"));
    if abandoned {
        tracing::warn!(event_id = %delivery.event_id, event_type = %delivery.event_type, attempt = number, %answer, "webhook not delivered; giving up on it");
        return Next::Now;
    }
    let wait = backoff(target.retry_base, number);
    tracing::warn!(event_id = %delivery.event_id, event_type = %delivery.event_type, attempt = number, %answer, retry_in_ms = wait.as_millis() as u64, "webhook not delivered; will retry");
    Next::After(wait)
}

/// `base` after the first failed attempt, doubling after each further one, capped.
fn backoff(base: Duration, failed_attempts: u32) -> Duration {
    let doublings = failed_attempts.saturating_sub(1).min(30);
    base.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_ten_minutes() {
        let base = Duration::from_secs(1);
        let waits: Vec<u64> = (1..=11).map(|n| backoff(base, n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600]);
        assert_eq!(backoff(base, u32::MAX), MAX_BACKOFF);
        assert_eq!(
            backoff(Duration::from_millis(5), 3),
            Duration::from_millis(20)
        );
    }
}
