//! Signed-in devices: every sign-in starts here (the session, the browser it remembers, a
//! receipt for a browser this customer never used), the account page lists the customer's
//! sessions, and the customer can end any other one, or all of them.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_sessions::session::Id;

use crate::model::security::{DeviceView, NoticeTone};
use crate::model::words;
use crate::model::AppError;
use crate::routes;
use crate::server::activity::log::EventKind;
use crate::server::authsignal::views::unix_time_words;
use crate::server::sessions::{signed_in_of, TypedSession};
use crate::server::state::AppState;
use crate::server::web::error::PageResult;
use crate::server::web::extract::SignedIn;
use crate::server::web::request_context::RequestContext;
use crate::server::web::request_context::{browser_words, network_words, origin_of};
use crate::server::web::request_limits::PostedForm;

/// What the page calls a session: never its id (that would sign anyone in), a hash of it.
fn handle(id: &Id) -> String {
    Sha256::digest(id.to_string().as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signs `user_id` in on this browser and remembers the browser. A sign-in (not a sign-up)
/// from a browser this customer never used before mails them a receipt.
pub async fn start_session(
    state: &AppState,
    session: &TypedSession,
    user: &crate::server::users::User,
    context: &RequestContext,
    first_ever: bool,
) -> Result<(), AppError> {
    // Read afresh: a hold put on while this sign-in was checking its password still counts.
    let held = state.users.is_held(&user.id).await.map_err(|e| {
        tracing::error!(error = %e, "reading the account's hold failed");
        AppError::Internal
    })?;
    if user.held() || held {
        return Err(AppError::Rejected(crate::model::words::ACCOUNT_HELD.into()));
    }
    session
        .sign_in(&user.id, user.security_stamp.clone(), context)
        .await?;
    let inserted = state
        .users
        .remember_device(&user.id, &context.device_id)
        .await;
    match inserted {
        Ok(true) if !first_ever => {
            crate::server::activity::receipts::new_sign_in(state, user, &origin_of(context)).await;
        }
        Ok(_) => {}
        // The sign-in stands; only the receipt is lost.
        Err(e) => tracing::error!(error = %e, "remembering the sign-in's browser failed"),
    }
    Ok(())
}

/// Signs in after a password (and any second step): the account page may then offer a passkey.
pub async fn sign_in_with_password(
    state: &AppState,
    session: &TypedSession,
    user: &crate::server::users::User,
    context: &RequestContext,
) -> Result<(), AppError> {
    start_session(state, session, user, context, false).await?;
    session.set_passkey_offer().await
}

/// The customer's signed-in sessions, this one first, then the most recently active.
pub async fn list(
    state: &AppState,
    session: &TypedSession,
    user_id: &str,
) -> Result<Vec<DeviceView>, AppError> {
    let current = session.id();
    let records = state
        .sessions
        .sessions_of_except(user_id, current.as_ref())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "listing the customer's sessions failed");
            AppError::Internal
        })?;
    // This request's own session is already in hand: not read from the store again.
    let this_one = match (current, session.signed_in().await?) {
        (Some(id), Some(signed_in)) => Some((id, signed_in)),
        _ => None,
    };
    let others = records
        .iter()
        .filter_map(|record| Some((record.id, signed_in_of(record)?)));
    let mut devices: Vec<(bool, i64, DeviceView)> = this_one
        .into_iter()
        .map(|one| (true, one))
        .chain(others.map(|other| (false, other)))
        .filter_map(|(this, (id, signed_in))| {
            // Past its absolute lifetime a session signs nobody in: not listed.
            if crate::server::clock::now_unix() - signed_in.since
                >= crate::server::sessions::ABSOLUTE_LIFETIME_SECS
            {
                return None;
            }
            let view = DeviceView {
                handle: handle(&id),
                browser: browser_words(&signed_in.user_agent),
                network: network_words(&signed_in.ip),
                signed_in: unix_time_words(signed_in.since),
                last_active: unix_time_words(signed_in.touched),
                current: this,
            };
            Some((this, signed_in.touched, view))
        })
        .collect();
    devices.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    Ok(devices.into_iter().map(|(_, _, view)| view).collect())
}

#[derive(Deserialize)]
pub struct DeviceForm {
    #[serde(default)]
    device: String,
}

/// Back to the account page, whose security section shows `message` at its top.
async fn back(session: &TypedSession, tone: NoticeTone, message: &str) -> PageResult {
    session.set_notice(tone, message).await?;
    Ok(Redirect::to(routes::ACCOUNT).into_response())
}

/// `POST /account/devices/sign-out`: ends one of the customer's other sessions.
#[tracing::instrument(name = "sign_out_device", skip_all)]
pub async fn sign_out_device(
    State(state): State<AppState>,
    SignedIn { session, user_id }: SignedIn,
    PostedForm(form): PostedForm<DeviceForm>,
) -> PageResult {
    let records = state.sessions.sessions_of(&user_id).await?;
    // Only this customer's own sessions can be named, and never by their id.
    let target = records
        .iter()
        .find(|r| handle(&r.id) == form.device && Some(r.id) != session.id());
    let Some(target) = target else {
        return back(&session, NoticeTone::Info, words::DEVICE_ALREADY_SIGNED_OUT).await;
    };
    let browser = signed_in_of(target)
        .map(|s| browser_words(&s.user_agent))
        .unwrap_or_default();
    state.sessions.end_session(&user_id, &target.id).await?;
    tracing::info!(user_id = %user_id, "customer signed out another device");
    state
        .events
        .record(
            &user_id,
            EventKind::Devices,
            &format!("Signed out {browser}"),
        )
        .await;
    back(
        &session,
        NoticeTone::Success,
        &format!("{browser} was signed out."),
    )
    .await
}

/// `POST /account/devices/sign-out-others`: ends every session of the customer but this one.
#[tracing::instrument(name = "sign_out_other_devices", skip_all)]
pub async fn sign_out_others(
    State(state): State<AppState>,
    SignedIn { session, user_id }: SignedIn,
) -> PageResult {
    let ended = state
        .sessions
        .end_sessions_of(&user_id, session.id().as_ref())
        .await?;
    tracing::info!(user_id = %user_id, ended, "customer signed out everywhere else");
    if ended > 0 {
        state
            .events
            .record(
                &user_id,
                EventKind::Devices,
                &format!("Signed out everywhere else ({ended})"),
            )
            .await;
    }
    back(
        &session,
        NoticeTone::Success,
        &words::others_signed_out(ended),
    )
    .await
}
