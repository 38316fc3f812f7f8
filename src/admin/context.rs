//! What every admin command needs: the customer store, the activity log and the Authsignal
//! client, built from the server's own configuration.

use authsignal::UserAuthenticator;

use crate::admin::contact::{authenticator_words, Contact};
use crate::admin::{EXIT_FAILED, EXIT_USAGE};
use crate::domain::Email;
use crate::server::activity::log::{EventKind, SecurityEvents};
use crate::server::authsignal::client;
use crate::server::authsignal::enroll_verified::{self, ChangedBy};
use crate::server::config::{AuthsignalMode, Settings};
use crate::server::db;
use crate::server::users::{User, UserStore};

/// Why a command stopped; `Display` is the one line printed after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad configuration or arguments: nothing was attempted (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The command was refused or could not be carried out (exit 1).
    #[error("{0}")]
    Refused(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Refused(_) => EXIT_FAILED,
        }
    }
}

pub(crate) struct Admin {
    pub users: UserStore,
    pub events: SecurityEvents,
    pub authsignal: authsignal::Client,
    /// In embedded mode Authsignal is the running storefront, which may not be up.
    embedded: bool,
    /// Who ran the command, for the audit log (the OS user; nothing is authenticated here).
    pub operator: String,
}

impl Admin {
    pub async fn from_env() -> Result<Admin, Failure> {
        let settings = Settings::from_env().map_err(|e| Failure::Usage(e.to_string()))?;
        let pool =
            db::connect_and_migrate(secrecy::ExposeSecret::expose_secret(&settings.database_url))
                .await
                .map_err(|e| {
                    Failure::Usage(format!(
                        "cannot open the storefront database (DATABASE_URL): {e}"
                    ))
                })?;
        let authsignal = client::build(&settings).map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(Admin {
            users: UserStore::new(pool.clone()),
            events: SecurityEvents::new(pool),
            authsignal,
            embedded: matches!(settings.authsignal, AuthsignalMode::EmbeddedSandbox { .. }),
            operator: ["USER", "LOGNAME"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|u| !u.is_empty()))
                .unwrap_or_else(|| "unknown".into()),
        })
    }

    /// The customer with this email; a malformed or unknown address is refused.
    pub async fn customer(&self, raw_email: &str) -> Result<User, Failure> {
        let email = Email::parse(raw_email)
            .map_err(|_| Failure::Refused(format!("{raw_email:?} is not a valid email address")))?;
        match self.users.find_by_email(&email).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(Failure::Refused(format!("no customer with email {email}"))),
            Err(e) => Err(Failure::Refused(format!(
                "looking up the customer failed: {e}"
            ))),
        }
    }

    pub async fn authenticators_of(&self, user: &User) -> Result<Vec<UserAuthenticator>, Failure> {
        self.authsignal
            .get_authenticators(&user.id)
            .await
            .map_err(|e| self.unreachable(e))
    }

    /// An Authsignal error as one line, with the likely fix when the embedded sandbox is down.
    pub fn unreachable(&self, e: authsignal::Error) -> Failure {
        let hint = match (&e, self.embedded) {
            (authsignal::Error::Connection { .. }, true) => {
                " (without AUTHSIGNAL_SECRET_KEY the CLI uses the sandbox inside the running storefront: start it, or set AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_API_URL)"
            }
            _ => "",
        };
        Failure::Refused(format!("{e}{hint}"))
    }

    /// Enrolls a verified contact, then logs it and adds it to the customer's activity.
    pub async fn enroll(
        &self,
        user: &User,
        contact: &Contact,
        reason: Option<&str>,
    ) -> Result<UserAuthenticator, authsignal::Error> {
        // The receipt Authsignal's webhook leads to says support made this change.
        let enrolled = enroll_verified::enroll(
            &self.users,
            &self.authsignal,
            user,
            &contact.request(),
            ChangedBy::Support,
        )
        .await?;
        tracing::info!(
            operator = %self.operator, user_id = %user.id, method = contact.method().as_str(),
            contact = %contact.masked(), reason = reason.unwrap_or(""), "admin: enrolled a verified authenticator"
        );
        self.record(
            user,
            &format!("Support enrolled {}", contact.words()),
            reason,
        )
        .await;
        Ok(enrolled)
    }

    /// Removes one authenticator, then logs it and adds it to the customer's activity.
    pub async fn remove(
        &self,
        user: &User,
        target: &UserAuthenticator,
        reason: Option<&str>,
    ) -> Result<(), authsignal::Error> {
        self.users.remember_support_change(&user.id).await;
        let removed = self
            .authsignal
            .delete_authenticator(&user.id, &target.user_authenticator_id)
            .await;
        self.users.end_change(&user.id).await;
        removed?;
        tracing::info!(
            operator = %self.operator, user_id = %user.id, authenticator_id = %target.user_authenticator_id,
            method = target.verification_method.as_str(), reason = reason.unwrap_or(""), "admin: removed an authenticator"
        );
        self.record(
            user,
            &format!("Support removed {}", authenticator_words(target)),
            reason,
        )
        .await;
        Ok(())
    }

    /// Logs and records the end of a hold on the customer's account.
    pub async fn record_released(&self, user: &User, reason: Option<&str>) {
        tracing::info!(operator = %self.operator, user_id = %user.id, reason = reason.unwrap_or(""), "admin: released a hold");
        self.record(user, "Support released the hold on the account", reason)
            .await;
    }

    async fn record(&self, user: &User, what: &str, reason: Option<&str>) {
        let detail = match reason {
            Some(reason) => format!("{what} (reason: {reason})"),
            None => what.to_string(),
        };
        self.events
            .record(&user.id, EventKind::Admin, &detail)
            .await;
    }
}

/// A `--reason` as one short line: it is shown on the customer's account page.
pub(crate) fn one_line_reason(raw: Option<String>) -> Option<String> {
    let words = raw?.split_whitespace().collect::<Vec<_>>().join(" ");
    (!words.is_empty()).then(|| words.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use crate::admin::context::one_line_reason;

    #[test]
    fn reasons_become_one_short_line() {
        assert_eq!(
            one_line_reason(Some(" lost\nphone  ".into())).as_deref(),
            Some("lost phone")
        );
        assert_eq!(one_line_reason(Some("   ".into())), None);
        assert_eq!(
            one_line_reason(Some("x".repeat(500))).map(|r| r.len()),
            Some(200)
        );
    }
}
