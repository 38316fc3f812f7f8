//! Coming back from the pre-built UI: `/account?token=…` is validated server-side against the
//! session's user and the action that was launched, then answered with a 303 to a clean
//! `/account`, so the token leaves the address bar before any page (or Referer) can see it.

use authsignal::ValidateChallengeRequest;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::events::EventKind;
use super::now_unix;
use crate::api::security::NoticeTone;
use crate::api::AppError;
use crate::server::session::{LaunchPurpose, TypedSession};
use crate::server::state::AppState;

pub const UPDATED: &str = "Your authenticators were updated.";
pub const VERIFIED_TO_REMOVE: &str = "You're verified. Confirm the removal below.";
pub const REFUSED: &str = "We couldn't confirm that change: the link was invalid, expired, already used \
     or not meant for this account. Nothing was changed.";
pub const CANNOT_CONFIRM: &str = "We couldn't confirm that change because our security provider isn't \
     responding. Nothing was changed — please try again.";

/// Intercepts `GET /account?token=…`; every other request passes through.
pub async fn complete_return(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_return = request.method() == axum::http::Method::GET && request.uri().path() == "/account";
    let token = if is_return { token_from_query(request.uri().query()) } else { None };
    let (Some(token), Some(session)) = (token, request.extensions().get::<Session>().cloned()) else {
        return next.run(request).await;
    };
    let session = TypedSession(session);
    let target = match session.user_id().await {
        Ok(Some(user_id)) => complete(&state, &session, &user_id, token).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "completing the return from Authsignal failed");
            "/account".to_string()
        }),
        _ => "/signin?next=%2Faccount".to_string(),
    };
    Redirect::to(&target).into_response()
}

fn token_from_query(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// Validates `token` for the launch this session is waiting on; returns where to go next.
async fn complete(state: &AppState, session: &TypedSession, user_id: &str, token: String) -> Result<String, AppError> {
    // Taken, not read: a token completes a launch once; a replay finds nothing pending.
    let Some(pending) = session.take_pending_launch().await? else {
        // Not an activity line: any link can send the customer here, as often as it likes,
        // and must not push real events out of their list.
        tracing::info!("return from Authsignal refused: nothing pending");
        session.set_notice(NoticeTone::Error, REFUSED).await?;
        return Ok("/account".into());
    };
    let request = ValidateChallengeRequest::for_user_action(token, user_id, pending.action.clone());
    match state.authsignal.validate_challenge(&request).await {
        Ok(result)
            if result.succeeded_for(user_id, &pending.action)
                && result.idempotency_key.as_deref() == Some(pending.idempotency_key.as_str()) =>
        {
            session.set_verified_at(now_unix()).await?;
            // A challenge passed or an authenticator added: enrolled, so an outage from now on
            // must not let a password alone through.
            if state.users.two_step_enrolled(user_id).await != Some(true) {
                state.users.set_two_step_enrolled(user_id, true).await;
            }
            match pending.purpose {
                LaunchPurpose::Settings => {
                    state.events.record(user_id, EventKind::Return, "Authenticator settings updated").await;
                    session.set_notice(NoticeTone::Success, UPDATED).await?;
                    Ok("/account".into())
                }
                LaunchPurpose::Remove { authenticator_id } => {
                    state.events.record(user_id, EventKind::Return, "Verified to remove an authenticator").await;
                    session.set_notice(NoticeTone::Info, VERIFIED_TO_REMOVE).await?;
                    let id: String = url::form_urlencoded::byte_serialize(authenticator_id.as_bytes()).collect();
                    Ok(format!("/account?remove={id}"))
                }
            }
        }
        Ok(result) => {
            tracing::info!(action = %pending.action, state = ?result.state, "return from Authsignal refused by validation");
            state.events.record(user_id, EventKind::Return, "A return from the security provider was refused").await;
            session.set_notice(NoticeTone::Error, REFUSED).await?;
            Ok("/account".into())
        }
        Err(e) => {
            tracing::warn!(error = %e, "validating the return from Authsignal failed");
            session.set_notice(NoticeTone::Error, CANNOT_CONFIRM).await?;
            Ok("/account".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::token_from_query;

    #[test]
    fn reads_the_token_parameter_only() {
        assert_eq!(token_from_query(Some("a=1&token=abc%2Bdef")).as_deref(), Some("abc+def"));
        assert_eq!(token_from_query(Some("tokens=x")), None);
        assert_eq!(token_from_query(None), None);
    }
}
