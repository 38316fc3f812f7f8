//! The return routes the pre-built UI sends the browser back to (the track's `redirectUrl`),
//! and the popup's completion. Each validates, answers a 303 to a clean page (the token never
//! renders, never reaches a log line or a Referer) and shows the outcome once.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::model::security::NoticeTone;
use crate::model::session::{FormName, FormState};
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::views::method_words;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::request_context::RequestContext;
use crate::{
    server::accounts::sign_in::internal, server::accounts::sign_in::refuse,
    server::accounts::sign_in::safe_next, server::accounts::sign_in::sign_in_with_password,
};
use crate::{
    server::authsignal::round_trip::complete, server::authsignal::round_trip::Completion,
    server::authsignal::round_trip::Purpose, server::authsignal::round_trip::Verified,
};
use crate::{
    server::authsignal::round_trip::words, server::authsignal::round_trip::words::Refusal,
};

/// The query of a return; a missing or repeated token is a refused return, not a 400.
#[derive(Deserialize)]
pub struct ReturnQuery {
    #[serde(default)]
    token: Option<String>,
}

/// `GET /account/return?token=…`: back from a settings visit or a removal check.
#[tracing::instrument(name = "account_return", skip_all)]
pub async fn account_return(
    State(state): State<AppState>,
    session: TypedSession,
    Query(query): Query<ReturnQuery>,
) -> Response {
    let user_id = match session.user_id().await {
        Ok(Some(user_id)) => user_id,
        // Signed out meanwhile: the token is dropped here and goes no further.
        Ok(None) => return Redirect::to(&routes::sign_in_then(routes::ACCOUNT)).into_response(),
        Err(e) => return internal(e),
    };
    match finish_account_return(&state, &session, &user_id, query.token).await {
        Ok(target) => Redirect::to(&target).into_response(),
        Err(e) => internal(e),
    }
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
    if let Completion::Done { verified: true, .. } = &completion {
        // A challenge passed or an authenticator added: enrolled, so an outage from now on
        // must not let a password alone through.
        if state.users.two_step_enrolled(user_id).await != Some(true) {
            state.users.set_two_step_enrolled(user_id, true).await;
        }
    }
    match completion {
        Completion::Done {
            purpose: Purpose::VerifyToAddPasskey,
            ..
        } => {
            state
                .events
                .record(user_id, EventKind::Return, "Verified to add a passkey")
                .await;
            session
                .set_notice(NoticeTone::Info, words::VERIFIED_TO_ADD_PASSKEY)
                .await?;
            Ok(routes::ADD_PASSKEY.to_string())
        }
        Completion::Done {
            purpose: Purpose::VerifyToRemove { authenticator_id },
            ..
        } => {
            state
                .events
                .record(
                    user_id,
                    EventKind::Return,
                    "Verified to remove an authenticator",
                )
                .await;
            session
                .set_notice(NoticeTone::Info, words::VERIFIED_TO_REMOVE)
                .await?;
            let id: String =
                url::form_urlencoded::byte_serialize(authenticator_id.as_bytes()).collect();
            Ok(format!("{}?remove={id}", routes::ACCOUNT))
        }
        Completion::Done { .. } => {
            // With webhooks on, each change the visit made arrives as its own precise line.
            if !state.settings.webhooks_on() {
                state
                    .events
                    .record(user_id, EventKind::Return, "Authenticator settings updated")
                    .await;
            }
            session
                .set_notice(NoticeTone::Success, words::SETTINGS_UPDATED)
                .await?;
            Ok(routes::ACCOUNT.to_string())
        }
        Completion::Refused { pending, why } => {
            // One line per launch that came back refused; a return with nothing pending is
            // any link's doing and writes none (it must not push real events off the list).
            if pending.is_some() && why != Refusal::CannotConfirm {
                state
                    .events
                    .record(
                        user_id,
                        EventKind::Return,
                        "A return from the security provider was refused",
                    )
                    .await;
            }
            tracing::info!(?why, "return from Authsignal refused");
            session
                .set_notice(NoticeTone::Error, why.on_account())
                .await?;
            Ok(routes::ACCOUNT.to_string())
        }
    }
}

/// `GET /signin/return?token=…`: back from the two-step challenge; signs the customer in.
#[tracing::instrument(name = "sign_in_return", skip_all)]
pub async fn sign_in_return(
    State(state): State<AppState>,
    session: TypedSession,
    headers: axum::http::HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<ReturnQuery>,
) -> Response {
    let refused = |why: Refusal| {
        let kept = FormState {
            error: why.at_sign_in().to_string(),
            email: String::new(),
            name: String::new(),
        };
        refuse(&state, FormName::SignIn, kept, routes::SIGN_IN.to_string())
    };
    match complete(&state, &session, query.token, None, routes::SIGN_IN_RETURN).await {
        Ok(Completion::Done {
            purpose: Purpose::SignIn { next, stamp },
            user_id,
            method,
            ..
        }) => {
            let verified = match session.verified().await {
                Ok(verified) => verified,
                Err(e) => return internal(e),
            };
            let user = match state.users.find_by_id(&user_id).await {
                // A reset since the password was checked ends this sign-in, however late it returns.
                Ok(Some(user)) if user.security_stamp != stamp => {
                    tracing::warn!(user_id = %user_id, "a sign-in started before a reset came back; refused");
                    return refused(Refusal::Invalid);
                }
                Ok(Some(user)) if user.held() => return refused(Refusal::Held),
                Ok(Some(user)) => user,
                Ok(None) => return refused(Refusal::Invalid),
                Err(e) => return internal(e),
            };
            let context = RequestContext::of_request(&headers, peer, &state.settings);
            if let Err(e) = sign_in_with_password(&state, &session, &user, &context).await {
                return internal(e);
            }
            // The challenge just passed counts for the next ten minutes (no second one for Manage).
            if let Some(verified) = verified.filter(|v: &Verified| v.user_id == user_id) {
                if let Err(e) = session.set_verified(&verified).await {
                    return internal(e);
                }
            }
            let method = method
                .as_ref()
                .map(method_words)
                .unwrap_or_else(|| "an authenticator".into());
            state
                .events
                .record(
                    &user_id,
                    EventKind::SignIn,
                    &format!("Signed in with password and {method}"),
                )
                .await;
            tracing::info!(user_id = %user_id, "customer signed in after a two-step challenge");
            Redirect::to(safe_next(&next)).into_response()
        }
        Ok(Completion::Done { .. }) => refused(Refusal::Invalid),
        Ok(Completion::Refused { pending, why }) => {
            if let Some(pending) =
                pending.filter(|_| matches!(why, Refusal::NotVerified | Refusal::Invalid))
            {
                state
                    .events
                    .record(
                        &pending.user_id,
                        EventKind::SignIn,
                        "A sign-in was refused: the second step wasn't completed",
                    )
                    .await;
            }
            tracing::info!(?why, "two-step sign-in refused at the return");
            refused(why)
        }
        Err(e) => internal(e),
    }
}

/// The popup's completion (a server function's body): the token the pre-built UI posted to
/// the page, completed exactly like a redirect return. Answers where the page goes next.
pub async fn complete_in_popup(token: String) -> Result<String, AppError> {
    let session = TypedSession::extract().await?;
    let user_id = session.require_user_id().await?;
    let state = AppState::from_context()?;
    finish_account_return(&state, &session, &user_id, Some(token)).await
}
