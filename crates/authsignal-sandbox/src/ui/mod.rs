//! The pre-built UI: enrollment, challenge and authenticator settings, server-rendered.
//! State rides in a signed UI token (`s`) in every link and form, and in the database,
//! never in cookies, so it works without JavaScript and when embedded.

mod challenge;
mod codes;
mod context;
mod enroll;
mod entry;
mod extract;
pub(crate) mod html;
mod passkey;
mod popup;
mod qr;
mod settings;

use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::Deserialize;

use crate::state::AppState;
use context::UiContext;
use enroll::Channel;

/// Every query / form field any UI screen reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UiParams {
    /// The UI session token.
    pub s: Option<String>,
    /// The app-facing token from track, only on the entry URL.
    pub token: Option<String>,
    /// `popup` when the Web SDK opens the entry URL in its iframe or window.
    pub mode: Option<String>,
    pub notice: Option<String>,
    pub authenticator_id: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub code: Option<String>,
    /// A passkey ceremony's answer from `passkey.js`, as JSON.
    pub credential: Option<String>,
    /// `platform` / `cross-platform`, as the browser reported the new passkey.
    pub authenticator_attachment: Option<String>,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(entry::open))
        .route("/ui/next", get(entry::next))
        .route("/ui/enroll", get(enroll::choose_method))
        .route("/ui/enroll/email", contact_routes(Channel::Email))
        .route("/ui/enroll/sms", contact_routes(Channel::Sms))
        .route(
            "/ui/enroll/verify",
            get(enroll::code_form).post(enroll::submit_code),
        )
        .route("/ui/enroll/resend", post(enroll::resend_code))
        .route(
            "/ui/enroll/passkey",
            get(passkey::enroll::form).post(passkey::enroll::submit),
        )
        .route("/ui/challenge/passkey", post(passkey::challenge::submit))
        .route("/ui/passkey.js", get(passkey::script))
        .route(html::POPUP_SCRIPT_PATH, get(popup::script))
        .route(html::STYLESHEET_PATH, get(html::stylesheet))
        .route(
            "/ui/enroll/app",
            get(enroll::app_form).post(enroll::submit_app_code),
        )
        .route(
            "/ui/challenge",
            get(challenge::challenge_form).post(challenge::submit_code),
        )
        .route("/ui/challenge/resend", post(challenge::resend_code))
        .route("/ui/settings", get(settings::settings_page))
        .route("/ui/settings/remove", post(settings::remove))
        .route("/ui/settings/default", post(settings::make_default))
        .route("/ui/done", post(settings::done))
}

/// The address step of one channel: its form and its submission.
fn contact_routes(channel: Channel) -> MethodRouter<AppState> {
    get(move |ui| enroll::contact_form(channel, ui))
        .post(move |ui| enroll::submit_contact(channel, ui))
}

/// After a successful enrollment or challenge: the settings screen when the app asked
/// for it, otherwise straight back to the app.
fn after_verification(ctx: &UiContext, notice: Option<&str>) -> Response {
    if ctx.action.redirect_to_settings {
        match notice {
            Some(notice) => ctx.go("/settings", &[("notice", notice)]),
            None => ctx.go("/settings", &[]),
        }
    } else {
        ctx.finish()
    }
}
