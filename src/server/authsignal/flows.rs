//! The flows behind the security section's buttons. Each server function in
//! `crate::api::security` is a thin wrapper around one of these; the trip to the pre-built UI
//! and back is `round_trip`'s.

use axum::http::header;

use crate::model::custom_ui::NewMethod;
use crate::model::security::{LaunchIntent, NoticeTone, SecurityOverview, SecurityStatus};
use crate::model::words;
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::change_lease;
use crate::server::authsignal::round_trip;
use crate::server::authsignal::round_trip::{Purpose, Refusal, Started};
use crate::server::authsignal::views;
use crate::server::web::extract::Caller;
use crate::server::web::request_context::RequestContext;

/// The section's data: Authsignal's two reads run concurrently, alongside the local ones.
pub async fn load_overview() -> Result<SecurityOverview, AppError> {
    let Caller {
        session,
        user_id,
        state,
        ..
    } = Caller::signed_in().await?;
    let upstream = async {
        tokio::try_join!(
            state.authsignal.get_user(&user_id),
            state.authsignal.get_authenticators(&user_id)
        )
    };
    let (upstream, notice, recently_verified, activity, customer, devices) = tokio::join!(
        upstream,
        session.take_notice(),
        round_trip::verified_recently(&state, &session, &user_id),
        state.events.latest(&user_id),
        state.users.find_signed_in(&user_id),
        crate::server::accounts::devices::list(&state, &session, &user_id)
    );
    let customer = customer.ok().flatten();
    let status = match upstream {
        Ok((user, authenticators)) => {
            let users = &state.users;
            users
                .remember_enrollment(&user_id, user.is_enrolled, customer.as_ref())
                .await;
            views::status(&user, &authenticators)
        }
        Err(e) => {
            tracing::warn!(error = %e, "Authsignal unavailable while loading the security section");
            SecurityStatus::Unavailable
        }
    };
    let activity = activity.unwrap_or_else(|e| {
        tracing::error!(error = %e, "loading security activity failed");
        Vec::new()
    });
    let popup = state.settings.prebuilt_ui == crate::server::config::PrebuiltUi::Popup;
    let add_passkey = state.settings.tenant_id.is_some();
    let has_passkey = matches!(&status, SecurityStatus::Ready { authenticators, .. }
        if authenticators.iter().any(|a| a.method == "Passkey"));
    let add_in_place = match &status {
        SecurityStatus::Ready { authenticators, .. } => {
            let has_app = authenticators
                .iter()
                .any(|a| a.method == "Authenticator app");
            NewMethod::ALL
                .into_iter()
                .filter(|m| !(has_app && *m == NewMethod::AuthenticatorApp))
                .collect()
        }
        SecurityStatus::Unavailable => Vec::new(),
    };
    let offer_passkey = add_passkey
        && !has_passkey
        && matches!(status, SecurityStatus::Ready { .. })
        && session.passkey_offer().await?
        && !customer
            .as_ref()
            .is_some_and(|c| c.passkey_offer_dismissed());
    Ok(SecurityOverview {
        status,
        notice: notice?,
        activity,
        recently_verified: recently_verified?,
        popup,
        add_passkey,
        add_in_place,
        offer_passkey,
        // The list failing (logged) must not hide the rest of the section.
        devices: devices.unwrap_or_default(),
    })
}

impl Caller {
    /// A plain HTML form post (JavaScript off) wants a 303; the hydrated page wants the URL.
    fn is_plain_form_post(&self) -> bool {
        self.headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// Sends the browser to `target`: a 303 for a plain form, the URL for the hydrated page.
    fn go(&self, target: String) -> Result<String, AppError> {
        if self.is_plain_form_post() {
            leptos_axum::redirect(&target);
        }
        Ok(target)
    }

    /// A plain form post that failed goes back to the account page with the message in its
    /// notice (a failed server function would answer a form with a bare redirect).
    async fn settle(&self, outcome: Result<String, AppError>) -> Result<String, AppError> {
        match outcome {
            Err(e) if self.is_plain_form_post() && e != AppError::NotSignedIn => {
                self.back_with(NoticeTone::Error, &e.to_string()).await
            }
            outcome => outcome,
        }
    }

    /// Shows `message` on the account page and sends the customer back there.
    async fn back_with(&self, tone: NoticeTone, message: &str) -> Result<String, AppError> {
        self.session.set_notice(tone, message).await?;
        self.go(routes::ACCOUNT.to_string())
    }

    /// Starts the round trip for `purpose`, records `words` in the activity (once, not for a
    /// double click) and sends the browser to the pre-built UI; during an outage, back to
    /// the page with a message.
    async fn open_pre_built_ui(
        &self,
        purpose: Purpose,
        words: impl Fn(bool) -> String,
    ) -> Result<String, AppError> {
        let context = RequestContext::of_server_fn(&self.state.settings).await?;
        match round_trip::start(&self.state, &self.session, &self.user_id, purpose, &context)
            .await?
        {
            Started::Go {
                url,
                repeated,
                scoped,
                ..
            } => {
                if !repeated {
                    self.state
                        .events
                        .record(&self.user_id, EventKind::Launch, &words(scoped))
                        .await;
                }
                self.go(url)
            }
            started if started.refused_by_rules().is_some() => {
                let why = started.refused_by_rules().unwrap_or(Refusal::Blocked);
                let what = match why {
                    Refusal::UnderReview => "held for review",
                    _ => "blocked",
                };
                self.refused_by_rules(why, what).await
            }
            Started::Decided { .. } | Started::ProviderDown => {
                self.back_with(NoticeTone::Error, words::UNAVAILABLE_TO_CHANGE)
                    .await
            }
        }
    }
}

impl Caller {
    /// Authsignal's rules stopped the change before any UI: say so, and record it.
    async fn refused_by_rules(&self, why: Refusal, how: &str) -> Result<String, AppError> {
        tracing::info!(
            how,
            "a change to authenticators was stopped by Authsignal's rules"
        );
        self.state
            .events
            .record(
                &self.user_id,
                EventKind::Launch,
                &format!("A change to your authenticators was {how} by our security checks"),
            )
            .await;
        self.back_with(NoticeTone::Error, why.on_account()).await
    }
}

/// Tracks `enroll` or `manage` and sends the customer to the pre-built UI. Managing within ten
/// minutes of a completed challenge opens the settings screen with no second challenge.
pub async fn launch(intent: LaunchIntent) -> Result<String, AppError> {
    let caller = Caller::signed_in().await?;
    let manage = intent == LaunchIntent::Manage;
    let outcome = caller
        .open_pre_built_ui(Purpose::Settings { manage }, |scoped| match (manage, scoped) {
            (false, _) => "Started enrolling an authenticator".into(),
            (true, true) => "Opened authenticator settings (verified in the last 10 minutes: no second challenge)".into(),
            (true, false) => "Opened authenticator settings (challenge first)".into(),
        })
        .await;
    caller.settle(outcome).await
}

/// Removes an authenticator: only after a recent challenge (otherwise the customer is sent
/// through one first and comes back to confirm), never the last one.
pub async fn remove(authenticator_id: String) -> Result<String, AppError> {
    let caller = Caller::signed_in().await?;
    let outcome = remove_for(&caller, authenticator_id).await;
    caller.settle(outcome).await
}

async fn remove_for(caller: &Caller, authenticator_id: String) -> Result<String, AppError> {
    if !round_trip::verified_recently(&caller.state, &caller.session, &caller.user_id).await? {
        let purpose = Purpose::VerifyToRemove { authenticator_id };
        return caller
            .open_pre_built_ui(purpose, |_| {
                "Started verifying to remove an authenticator".into()
            })
            .await;
    }
    let pool = &caller.state.pool;
    let lease = match change_lease::acquire(pool, &caller.user_id).await {
        Ok(Some(lease)) => lease,
        Ok(None) => {
            return caller
                .back_with(NoticeTone::Error, words::CHANGE_IN_PROGRESS)
                .await
        }
        Err(e) => {
            tracing::error!(error = %e, "taking the authenticator change lease failed");
            return Err(AppError::Internal);
        }
    };
    let removed = remove_while_leased(caller, authenticator_id).await;
    change_lease::release(pool, lease).await;
    removed
}

/// The removal itself, with this customer's change lease held: the count it checks cannot
/// change underneath it.
async fn remove_while_leased(
    caller: &Caller,
    authenticator_id: String,
) -> Result<String, AppError> {
    let client = &caller.state.authsignal;
    let authenticators = match client.get_authenticators(&caller.user_id).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "listing authenticators before removal failed");
            return caller
                .back_with(NoticeTone::Error, words::UNAVAILABLE_TO_CHANGE)
                .await;
        }
    };
    let Some(target) = authenticators
        .iter()
        .find(|a| a.user_authenticator_id == authenticator_id)
    else {
        return caller
            .back_with(NoticeTone::Error, words::NO_LONGER_THERE)
            .await;
    };
    if authenticators.len() <= 1 {
        return caller.back_with(NoticeTone::Error, words::LAST_ONE).await;
    }
    let described = views::describe(target);
    // The removal's receipt (from the webhook) names this browser.
    let context = RequestContext::of_server_fn(&caller.state.settings).await?;
    let origin = crate::server::web::request_context::origin_of(&context);
    caller
        .state
        .users
        .remember_change_origin(&caller.user_id, &origin.browser, &origin.network)
        .await;
    let removed = client
        .delete_authenticator(&caller.user_id, &authenticator_id)
        .await;
    caller.state.users.end_change(&caller.user_id).await;
    if let Err(e) = removed {
        tracing::warn!(error = %e, "removing an authenticator failed");
        return caller
            .back_with(NoticeTone::Error, words::UNAVAILABLE_TO_CHANGE)
            .await;
    }
    tracing::info!(user_id = %caller.user_id, "authenticator removed");
    // With webhooks on, Authsignal's `authenticator.deleted` writes the line (and the receipt).
    if !caller.state.settings.webhooks_on() {
        caller
            .state
            .events
            .record(
                &caller.user_id,
                EventKind::Removal,
                &format!("Removed {described}"),
            )
            .await;
    }
    caller
        .back_with(NoticeTone::Success, &format!("{described} was removed."))
        .await
}
