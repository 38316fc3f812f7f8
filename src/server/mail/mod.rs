//! The storefront's own mail (receipts, reset links). A message is first written to the
//! `outgoing_mail` table, so the change it reports never waits on, or fails with, the mail
//! server; a worker then sends it by SMTP (`STOREFRONT_SMTP_URL`) and retries failures, or,
//! with no SMTP server configured, keeps it for the dev mailbox.

pub mod compose;
pub mod dev_mailbox;
mod worker;

use std::sync::Arc;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use sqlx::AnyPool;
use tokio::sync::Notify;

use crate::server::config::Settings;

/// One message to one customer.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where the worker hands messages.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Embedded mode without SMTP: the message stays in the table (the dev mailbox lists it).
    Keep,
    /// A real tenant without SMTP: nothing is sent; mail waits until SMTP is configured.
    Hold,
}

/// Messages an address may get in an hour from requests anyone can make.
const UNSOLICITED_PER_HOUR: i64 = 5;

#[derive(Clone)]
pub struct Mailer {
    pool: AnyPool,
    transport: Transport,
    from: Mailbox,
    wake: Arc<Notify>,
}

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl Mailer {
    pub fn new(pool: AnyPool, settings: &Settings) -> Result<Mailer, String> {
        let transport = match &settings.smtp_url {
            Some(url) => {
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // Never the URL in the message: it can carry a password.
                    .map_err(|_| "STOREFRONT_SMTP_URL: not a usable SMTP URL".to_string())?;
                Transport::Smtp(builder.timeout(Some(SMTP_TIMEOUT)).build())
            }
            None if settings.dev_mailbox() => Transport::Keep,
            None => Transport::Hold,
        };
        let from = settings
            .mail_from
            .parse()
            .map_err(|_| "STOREFRONT_MAIL_FROM: not an address".to_string())?;
        Ok(Mailer {
            pool,
            transport,
            from,
            wake: Arc::new(Notify::new()),
        })
    }

    /// Queues `mail`. A failure is logged and swallowed: the change being reported has
    /// already happened, and must not be undone or reported as failed because of mail.
    /// Queues `mail` for the worker; true when it was queued.
    pub async fn enqueue(&self, mail: Mail) -> bool {
        self.insert(mail, None).await
    }

    /// Queues mail that someone other than the customer may have asked for (a reset link from
    /// an unknown browser): dropped once the address had `UNSOLICITED_PER_HOUR` messages in the
    /// last hour, whatever the number of source addresses. True when it was queued.
    pub async fn enqueue_unsolicited(&self, mail: Mail) -> bool {
        let queued = self.insert(mail, Some(UNSOLICITED_PER_HOUR)).await;
        if !queued {
            tracing::warn!("mail not queued: this address had its messages for the hour");
        }
        queued
    }

    /// One insert; with `cap`, marked unsolicited and only while the address had fewer than
    /// `cap` unsolicited messages in the last hour.
    async fn insert(&self, mail: Mail, cap: Option<i64>) -> bool {
        let now = now_unix();
        let result = sqlx::query(
            "INSERT INTO outgoing_mail (to_address, subject, body_text, body_html, created_at, next_attempt_at, unsolicited)
             SELECT $1, $2, $3, $4, $5, $6, $7
             WHERE $8 < 0 OR (SELECT COUNT(*) FROM outgoing_mail WHERE to_address = $1 AND unsolicited = 1 AND created_at > $9) < $8",
        )
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(now)
        .bind(now)
        .bind(i32::from(cap.is_some()))
        .bind(cap.unwrap_or(-1))
        .bind(now - 60 * 60)
        .execute(&self.pool)
        .await;
        match result {
            Ok(done) if done.rows_affected() == 1 => {
                self.wake.notify_one();
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::error!(error = %e, "queueing mail failed; the message is lost");
                false
            }
        }
    }

    /// Starts the sending worker (one per process; several processes share the table
    /// safely), unless mail is held for want of an SMTP server.
    pub fn spawn_worker(&self) -> Option<tokio::task::JoinHandle<()>> {
        (!matches!(self.transport, Transport::Hold))
            .then(|| tokio::spawn(worker::run(self.clone())))
    }

    /// True when SMTP is configured (else messages are kept for the dev mailbox).
    pub fn sends(&self) -> bool {
        matches!(self.transport, Transport::Smtp(_))
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
