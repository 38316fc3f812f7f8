//! Signed-in devices: every sign-in starts here (the session, the browser it remembers, a
//! receipt for a browser this customer never used), the account page lists the customer's
//! sessions, and the customer can end any other one, or all of them.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_sessions::session::Id;

use crate::model::security::{DeviceView, NoticeTone};
use crate::model::AppError;
use crate::routes;
use crate::server::accounts::sign_in::internal;
use crate::server::authsignal::views::unix_time_words;
use crate::server::mail::compose::Origin;
use crate::server::state::AppState;
use crate::server::web::request_context::RequestContext;
use crate::server::web::request_limits::PostedForm;
use crate::{server::sessions::signed_in_of, server::sessions::TypedSession};

/// "Chrome on macOS", from a user agent.
pub fn browser_words(user_agent: &str) -> String {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    match parsed {
        Some(r) if known(r.name) && known(r.os) => {
            let os = if r.os == "Mac OSX" { "macOS" } else { r.os };
            format!("{} on {os}", r.name)
        }
        Some(r) if known(r.name) => r.name.to_string(),
        _ => "An unknown browser".to_string(),
    }
}

/// The client address, coarsely: "203.0.113.x", or an IPv6 address's first three groups.
pub fn network_words(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:…", s[0], s[1], s[2])
        }
        Err(_) => "an unknown network".to_string(),
    }
}

/// Where a request came from, in words (for receipts).
pub fn origin_of(context: &RequestContext) -> Origin {
    Origin {
        browser: browser_words(context.user_agent.as_deref().unwrap_or("")),
        network: network_words(context.ip_address.as_deref().unwrap_or("")),
    }
}

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
    if user.held() {
        return Err(AppError::Rejected(
            crate::server::authsignal::round_trip::words::ACCOUNT_HELD.into(),
        ));
    }
    session
        .sign_in(&user.id, user.security_stamp.clone(), context)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO known_devices (user_id, device_id, first_seen_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, device_id) DO NOTHING",
    )
    .bind(&user.id)
    .bind(&context.device_id)
    .bind(crate::server::clock::now_unix())
    .execute(&state.pool)
    .await;
    match inserted {
        Ok(r) if r.rows_affected() == 1 && !first_ever => {
            crate::server::activity::receipts::new_sign_in(state, user, &origin_of(context)).await;
        }
        Ok(_) => {}
        // The sign-in stands; only the receipt is lost.
        Err(e) => tracing::error!(error = %e, "remembering the sign-in's browser failed"),
    }
    Ok(())
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

/// The signed-in customer for a device form, or where to send a signed-out browser.
async fn signed_in(session: &TypedSession) -> Result<String, Response> {
    match session.user_id().await {
        Ok(Some(user_id)) => Ok(user_id),
        Ok(None) => Err(Redirect::to(&routes::sign_in_then(routes::ACCOUNT)).into_response()),
        Err(e) => Err(internal(e)),
    }
}

async fn back(session: &TypedSession, tone: NoticeTone, message: &str) -> Response {
    match session.set_notice(tone, message).await {
        // The notice shows at the top of the security section.
        Ok(()) => Redirect::to(routes::ACCOUNT).into_response(),
        Err(e) => internal(e),
    }
}

/// `POST /account/devices/sign-out`: ends one of the customer's other sessions.
#[tracing::instrument(name = "sign_out_device", skip_all)]
pub async fn sign_out_device(
    State(state): State<AppState>,
    session: TypedSession,
    PostedForm(form): PostedForm<DeviceForm>,
) -> Response {
    let user_id = match signed_in(&session).await {
        Ok(user_id) => user_id,
        Err(response) => return response,
    };
    let records = match state.sessions.sessions_of(&user_id).await {
        Ok(records) => records,
        Err(e) => return internal(e),
    };
    // Only this customer's own sessions can be named, and never by their id.
    let target = records
        .iter()
        .find(|r| handle(&r.id) == form.device && Some(r.id) != session.id());
    let Some(target) = target else {
        return back(
            &session,
            NoticeTone::Info,
            "That device is already signed out.",
        )
        .await;
    };
    let browser = signed_in_of(target)
        .map(|s| browser_words(&s.user_agent))
        .unwrap_or_default();
    if let Err(e) = state.sessions.end_session(&user_id, &target.id).await {
        return internal(e);
    }
    tracing::info!(user_id = %user_id, "customer signed out another device");
    let what = format!("Signed out {browser}");
    state
        .events
        .record(
            &user_id,
            crate::server::activity::log::EventKind::Devices,
            &what,
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
pub async fn sign_out_others(State(state): State<AppState>, session: TypedSession) -> Response {
    let user_id = match signed_in(&session).await {
        Ok(user_id) => user_id,
        Err(response) => return response,
    };
    let ended = match state
        .sessions
        .end_sessions_of(&user_id, session.id().as_ref())
        .await
    {
        Ok(ended) => ended,
        Err(e) => return internal(e),
    };
    tracing::info!(user_id = %user_id, ended, "customer signed out everywhere else");
    let message = match ended {
        0 => "No other device was signed in.".to_string(),
        1 => "1 other device was signed out.".to_string(),
        n => format!("{n} other devices were signed out."),
    };
    if ended > 0 {
        state
            .events
            .record(
                &user_id,
                crate::server::activity::log::EventKind::Devices,
                &format!("Signed out everywhere else ({ended})"),
            )
            .await;
    }
    back(&session, NoticeTone::Success, &message).await
}

#[cfg(test)]
mod tests {
    use crate::server::accounts::devices::*;

    #[test]
    fn browsers_and_networks_read_as_words() {
        let chrome_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(browser_words(chrome_mac), "Chrome on macOS");
        assert_eq!(browser_words(""), "An unknown browser");
        assert_eq!(network_words("203.0.113.77"), "203.0.113.x");
        assert_eq!(
            network_words("2001:db8:85a3::8a2e:370:7334"),
            "2001:db8:85a3:…"
        );
        assert_eq!(network_words(""), "an unknown network");
    }
}
