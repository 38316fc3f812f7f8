//! The return routes the pre-built UI sends the browser back to (the track's `redirectUrl`),
//! and the popup's completion. Each validates, answers a 303 to a clean page (the token never
//! renders, never reaches a log line or a Referer) and shows the outcome once.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use crate::model::security::NoticeTone;
use crate::model::words;
use crate::model::words::Refusal;
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::round_trip::{complete, Completion, Purpose};
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::extract::{Caller, SignedIn};

/// The query of a return; a missing or repeated token is a refused return, not a 400.
#[derive(Deserialize)]
pub struct ReturnQuery {
    #[serde(default)]
    pub token: Option<String>,
}

/// `GET /account/return?token=…`: back from a settings visit or a removal check. Signed out
/// meanwhile, the token is dropped by the extractor and goes no further.
#[tracing::instrument(name = "account_return", skip_all)]
pub async fn account_return(
    State(state): State<AppState>,
    SignedIn { session, user_id }: SignedIn,
    Query(query): Query<ReturnQuery>,
) -> PageResult {
    let target = finish_account_return(&state, &session, &user_id, query.token).await?;
    Ok(Redirect::to(&target).into_response())
}

/// Completes a return for the account page (redirect or popup): records it once, leaves the
/// notice for the page, and says where to go.
pub async fn finish_account_return(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
    token: Option<String>,
) -> Result<String, AppError> {
    let completion = complete(state, session, token, Some(user_id), routes::ACCOUNT_RETURN).await?;
    // This browser's launch is over: what Authsignal changes from now on is not its doing.
    if matches!(
        &completion,
        Completion::Done { .. }
            | Completion::Refused {
                pending: Some(_),
                ..
            }
    ) {
        state.users.end_change(user_id).await;
    }
    if let Completion::Done { verified: true, .. } = &completion {
        // A challenge passed or an authenticator added: enrolled, so an outage from now on
        // must not let a password alone through.
        state.users.remember_enrollment(user_id, true, None).await;
    }
    match completion {
        Completion::Done {
            purpose,
            started_at,
            ..
        } => after_done(state, session, user_id, purpose, started_at).await,
        Completion::Refused { pending, why } => {
            // One line per launch that came back refused; a return with nothing pending is
            // any link's doing and writes none (it must not push real events off the list).
            if pending.is_some() && why != Refusal::CannotConfirm {
                let line = "A return from the security provider was refused";
                state.events.record(user_id, EventKind::Return, line).await;
            }
            tracing::info!(?why, "return from Authsignal refused");
            session
                .set_notice(NoticeTone::Error, why.on_account())
                .await?;
            Ok(routes::ACCOUNT.to_string())
        }
    }
}

/// What a completed return records and shows, and where the customer goes next.
async fn after_done(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
    purpose: Purpose,
    started_at: i64,
) -> Result<String, AppError> {
    match purpose {
        Purpose::VerifyToAddPasskey => {
            let line = "Verified to add a passkey";
            state.events.record(user_id, EventKind::Return, line).await;
            session
                .set_notice(NoticeTone::Info, words::VERIFIED_TO_ADD_PASSKEY)
                .await?;
            Ok(routes::ADD_PASSKEY.to_string())
        }
        Purpose::VerifyToAddMethod { method } => {
            let line = format!("Verified to add {}", method.words());
            state.events.record(user_id, EventKind::Return, &line).await;
            session
                .set_notice(NoticeTone::Info, words::VERIFIED_TO_ADD)
                .await?;
            Ok(method.page().to_string())
        }
        Purpose::VerifyToRemove { authenticator_id } => {
            let line = "Verified to remove an authenticator";
            state.events.record(user_id, EventKind::Return, line).await;
            session
                .set_notice(NoticeTone::Info, words::VERIFIED_TO_REMOVE)
                .await?;
            let id: String =
                url::form_urlencoded::byte_serialize(authenticator_id.as_bytes()).collect();
            Ok(format!("{}?remove={id}", routes::ACCOUNT))
        }
        _ => {
            // With webhooks on, each change the visit made arrives as its own precise line:
            // waited for a moment, so the page the customer comes back to already shows it.
            if state.settings.webhooks_on() {
                state.events.wait_for_change(user_id, started_at).await;
            } else {
                let line = "Authenticator settings updated";
                state.events.record(user_id, EventKind::Return, line).await;
            }
            session
                .set_notice(NoticeTone::Success, words::SETTINGS_UPDATED)
                .await?;
            Ok(routes::ACCOUNT.to_string())
        }
    }
}

/// The popup's completion (a server function's body): the token the pre-built UI posted to
/// the page, completed exactly like a redirect return. Answers where the page goes next.
pub async fn complete_in_popup(token: String) -> Result<String, AppError> {
    let caller = Caller::signed_in().await?;
    finish_account_return(&caller.state, &caller.session, &caller.user_id, Some(token)).await
}
