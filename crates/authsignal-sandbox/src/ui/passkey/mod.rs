//! Passkeys in the pre-built UI: registering one (enrollment) and using one (challenge).
//! The server starts each ceremony with webauthn-rs and keeps its half in the store; the
//! page carries the options, `passkey.js` runs the browser's WebAuthn API and posts the
//! answer back in an ordinary form, so every outcome is a server-rendered page.

pub(crate) mod challenge;
pub(crate) mod enroll;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use maud::{html, Markup, PreEscaped};
use time::Duration;
use webauthn_rs::prelude::{CredentialID, Passkey};

use super::context::{UiContext, UiError};
use crate::store::{AuthenticatorRow, CeremonyRow};

/// How long a started ceremony can be answered: the browser's own timeout (5 minutes
/// by default in webauthn-rs) plus room for a slow round trip.
const CEREMONY_LIFETIME: Duration = Duration::minutes(6);

const NEEDS_JAVASCRIPT: &str =
    "Passkeys need JavaScript in your browser. Turn it on, or choose another method.";
const STALE_REQUEST: &str = "That passkey request expired or was already used. Try again.";

/// `GET /ui/passkey.js`: the browser half of the ceremonies (no CDN, no build step).
pub(crate) async fn script() -> Response {
    let mut response = (StatusCode::OK, include_str!("passkey.js")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The stored key of a passkey authenticator.
pub(crate) fn stored_passkey(authenticator: &AuthenticatorRow) -> Option<Passkey> {
    serde_json::from_str(authenticator.passkey.as_deref()?).ok()
}

/// A credential id as the store and the API keep it (base64url).
pub(crate) fn credential_id_text(id: &CredentialID) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

/// Whether a stored ceremony may still be answered.
fn still_fresh(ctx: &UiContext, ceremony: &CeremonyRow) -> bool {
    ctx.now_ms() - ceremony.created_at < CEREMONY_LIFETIME.whole_milliseconds() as i64
}

fn internal<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> UiError {
    move |e| {
        tracing::error!(error = %e, "{what}");
        UiError::Internal
    }
}

/// Which browser call a ceremony page makes.
#[derive(Clone, Copy)]
enum Ceremony {
    Create,
    Get,
}

/// The parts of a ceremony page.
struct CeremonyScreen<'a> {
    ceremony: Ceremony,
    intro: &'a str,
    submit_path: &'a str,
    button: &'a str,
    problem: Option<&'a str>,
}

/// Keeps the server half of a started ceremony (as `purpose`) and renders the form for the
/// browser half with its `options`; a page that reports a problem answers 422.
async fn start_ceremony(
    ctx: &UiContext,
    purpose: &str,
    state: &impl serde::Serialize,
    options: &impl serde::Serialize,
    screen: &CeremonyScreen<'_>,
) -> Result<(StatusCode, Markup), UiError> {
    let state =
        serde_json::to_string(state).map_err(internal("cannot store a passkey ceremony"))?;
    ctx.state
        .store
        .save_ceremony(&ctx.key(), purpose, &state, ctx.now_ms())
        .await?;
    let options =
        serde_json::to_string(options).map_err(internal("cannot send passkey options"))?;
    let status = if screen.problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, ceremony_html(ctx, screen, &options)))
}

/// The form the script drives, with the options, a place for problems and the script.
fn ceremony_html(ctx: &UiContext, screen: &CeremonyScreen<'_>, options: &str) -> Markup {
    let kind = match screen.ceremony {
        Ceremony::Create => "create",
        Ceremony::Get => "get",
    };
    html! {
        div class="alert" role="alert" id="passkey-problem" hidden[screen.problem.is_none()] {
            (screen.problem.unwrap_or_default())
        }
        noscript { div class="alert" { (NEEDS_JAVASCRIPT) } }
        p { (screen.intro) }
        form method="post" action=(ctx.action_url(screen.submit_path)) data-passkey=(kind) data-options="passkey-options" data-problem="passkey-problem" {
            (ctx.hidden_token())
            input type="hidden" name="credential" value="";
            @if matches!(screen.ceremony, Ceremony::Create) {
                input type="hidden" name="authenticatorAttachment" value="";
            }
            // Enabled by passkey.js once it can run the ceremony: a click before that would
            // post an empty answer (and without JavaScript the notice above says why).
            button type="submit" class="wide" disabled { (screen.button) }
        }
        // maud would HTML-escape the JSON, but a script element's text is never unescaped.
        script type="application/json" id="passkey-options" { (PreEscaped(script_safe(options))) }
        script src=(ctx.action_url("/passkey.js")) defer {}
    }
}

/// JSON that can sit inside a `<script>` element: no `</script>` or `<!--` can form. Kept by
/// hand: no template escaping applies inside a script element, and it is one replace.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::script_safe;

    #[test]
    fn json_in_a_script_element_cannot_close_it() {
        let json = r#"{"name":"</script><script>alert(1)</script>"}"#;
        let safe = script_safe(json);
        assert!(!safe.contains("</script"));
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }
}
