//! Sends queued mail: claims each due message with a short lease (so several instances never
//! send one twice at once), sends it, and on failure retries with doubling delays.

use std::time::Duration;

use lettre::message::{header::ContentType, MultiPart, SinglePart};
use lettre::{AsyncTransport, Message};

use crate::server::mail::{now_unix, Mailer, Transport};

/// How often the queue is looked at without a wake-up (other instances' mail, retries).
const POLL: Duration = Duration::from_secs(5);
/// How long a claimed message is someone's before another worker may try it.
const LEASE_SECS: i64 = 120;
/// First retry after 2 s, doubling to at most 30 min; after this many attempts it is given up.
const MAX_ATTEMPTS: i64 = 12;
const FIRST_RETRY_SECS: i64 = 2;
const LONGEST_RETRY_SECS: i64 = 30 * 60;
/// Messages handled per look at the queue.
const BATCH: i64 = 20;

#[derive(sqlx::FromRow)]
struct Queued {
    id: i64,
    to_address: String,
    subject: String,
    body_text: String,
    body_html: String,
    attempts: i64,
    next_attempt_at: i64,
}

pub(super) async fn run(mailer: Mailer) {
    loop {
        match due(&mailer).await {
            Ok(batch) => {
                for queued in batch {
                    deliver(&mailer, queued).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "reading the mail queue failed"),
        }
        tokio::select! {
            _ = mailer.wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

async fn due(mailer: &Mailer) -> sqlx::Result<Vec<Queued>> {
    sqlx::query_as(
        "SELECT id, to_address, subject, body_text, body_html, attempts, next_attempt_at FROM outgoing_mail
         WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2 ORDER BY id LIMIT $3",
    )
    .bind(now_unix())
    .bind(MAX_ATTEMPTS)
    .bind(BATCH)
    .fetch_all(&mailer.pool)
    .await
}

async fn deliver(mailer: &Mailer, queued: Queued) {
    let now = now_unix();
    // The claim: only the worker that moves `next_attempt_at` on from what it read sends.
    let claimed = sqlx::query(
        "UPDATE outgoing_mail SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at = $3",
    )
    .bind(now + LEASE_SECS)
    .bind(queued.id)
    .bind(queued.next_attempt_at)
    .execute(&mailer.pool)
    .await;
    if !matches!(claimed, Ok(r) if r.rows_affected() == 1) {
        return;
    }
    let outcome = match &mailer.transport {
        Transport::Keep | Transport::Hold => Ok(()),
        Transport::Smtp(smtp) => match message(mailer, &queued) {
            Ok(message) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        },
    };
    let attempts = queued.attempts + 1;
    let recorded = match &outcome {
        Ok(()) => {
            tracing::info!(mail_id = queued.id, "mail sent");
            // Sent mail keeps no body: its links are credentials. (The dev mailbox shows kept mail.)
            let forget_body = matches!(mailer.transport, Transport::Smtp(_));
            sqlx::query(
                "UPDATE outgoing_mail SET sent_at = $1, attempts = $2, last_error = NULL,
                    body_text = CASE WHEN $4 THEN '' ELSE body_text END,
                    body_html = CASE WHEN $4 THEN '' ELSE body_html END
                 WHERE id = $3",
            )
            .bind(now_unix())
            .bind(attempts)
            .bind(queued.id)
            .bind(forget_body)
            .execute(&mailer.pool)
            .await
        }
        Err(error) => {
            let delay = retry_delay(attempts);
            if attempts >= MAX_ATTEMPTS {
                tracing::error!(mail_id = queued.id, attempts, %error, "mail could not be sent; giving up");
            } else {
                tracing::warn!(mail_id = queued.id, attempts, retry_in_secs = delay, %error, "mail not sent; will retry");
            }
            sqlx::query(
                "UPDATE outgoing_mail SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
            )
            .bind(attempts)
            .bind(now_unix() + delay)
            .bind(error.chars().take(500).collect::<String>())
            .bind(queued.id)
            .execute(&mailer.pool)
            .await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, mail_id = queued.id, "recording a mail attempt failed");
    }
}

/// 2 s, 4 s, 8 s … at most 30 minutes.
fn retry_delay(attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    (FIRST_RETRY_SECS << doublings).min(LONGEST_RETRY_SECS)
}

fn message(mailer: &Mailer, queued: &Queued) -> Result<Message, String> {
    let to = queued
        .to_address
        .parse()
        .map_err(|_| "the recipient is not a mail address".to_string())?;
    Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&queued.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(queued.body_text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(queued.body_html.clone()),
                ),
        )
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use crate::server::mail::worker::retry_delay;

    #[test]
    fn retries_double_and_stop_growing_at_half_an_hour() {
        assert_eq!(
            (1..=6).map(retry_delay).collect::<Vec<_>>(),
            [2, 4, 8, 16, 32, 64]
        );
        assert_eq!(retry_delay(12), 30 * 60);
        assert_eq!(retry_delay(100), 30 * 60);
    }
}
