//! HTML building blocks for the pre-built UI and the outbox: the page shell, its stylesheet
//! and its security headers. Plain server-rendered HTML (maud templates, which escape every
//! value they insert) that works without JavaScript, and nothing inline a
//! Content-Security-Policy would have to allow.

use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use time::macros::format_description;

use crate::clock::from_millis;
use crate::state::AppState;

/// Where the stylesheet is served, under the public URL.
pub(crate) const STYLESHEET_PATH: &str = "/ui/style.css";

/// Where `popup.js` is served, under the public URL.
pub(crate) const POPUP_SCRIPT_PATH: &str = "/ui/popup.js";

/// Every page's own policy: scripts and styles only from files the sandbox serves.
/// No `form-action`: forms end in a redirect back to the app, on another origin.
/// `frame-ancestors` follows: `'none'`, or the app's origin in popup mode.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'";

/// Who may frame a popup page and receive its messages (which frame an action gets is
/// `PopupFrame::for_action`, in popup.rs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PopupFrame {
    /// The origin of the action's `redirectUrl`, e.g. `http://localhost:3000`.
    pub app_origin: String,
    /// The app is on the sandbox's own origin (the storefront mounts it at `/sandbox`).
    pub same_origin: bool,
}

/// What pages rendered for one request need beyond their own content.
struct PageScope {
    /// The public URL of the sandbox answering the request.
    public_url: Arc<str>,
    /// Set once the request turns out to belong to a popup-mode UI session.
    popup: OnceLock<PopupFrame>,
}

tokio::task_local! {
    static PAGE: PageScope;
}

/// Middleware: pages rendered for this request link the stylesheet under the sandbox's
/// public URL and are framed as their UI session allows, error pages too (they are
/// rendered without the config or the session at hand).
pub(crate) async fn with_public_url(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let scope = PageScope {
        public_url: Arc::from(state.config.public_url.as_str()),
        popup: OnceLock::new(),
    };
    PAGE.scope(scope, next.run(request)).await
}

/// Marks the current request's pages as popup pages framed by (and talking to) `frame`.
pub(crate) fn frame_for_popup(frame: PopupFrame) {
    // A request belongs to one UI session, so a second call sets the same frame.
    let _ = PAGE.try_with(|page| page.popup.set(frame));
}

fn popup_frame() -> Option<PopupFrame> {
    PAGE.try_with(|page| page.popup.get().cloned())
        .ok()
        .flatten()
}

/// Whether pages of the current request run inside the app's popup.
pub(crate) fn in_popup() -> bool {
    popup_frame().is_some()
}

/// `{public_url}{path}`, or `path` alone outside a request.
fn public(path: &str) -> String {
    PAGE.try_with(|page| format!("{}{path}", page.public_url))
        .unwrap_or_else(|_| path.to_owned())
}

/// "Return to the app" (without a token); in a popup it closes the popup instead.
pub(crate) fn return_link(url: &str) -> Markup {
    html! {
        p { a class="button" href=(url) data-popup-close[in_popup()] { "Return to the app" } }
    }
}

/// `GET /ui/style.css`.
pub(crate) async fn stylesheet() -> Response {
    let mut response = (StatusCode::OK, include_str!("style.css")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A whole page: the shell around `body`.
pub(crate) fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    shell(status, title, body, "card")
}

/// A page with room for a table.
pub(crate) fn wide_page(status: StatusCode, title: &str, body: Markup) -> Response {
    shell(status, title, body, "card wide-card")
}

fn shell(status: StatusCode, title: &str, body: Markup, card_class: &str) -> Response {
    let popup = popup_frame();
    let html = document(title, body, card_class, popup.as_ref());
    let mut response = (status, html.into_string()).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        // Tokens ride in the URL; keep these pages out of caches and Referer headers.
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    for (name, value) in framing_headers(popup.as_ref()) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The page around `body`: the stylesheet, the brand line and, in a popup, the script
/// that talks to the app.
fn document(title: &str, body: Markup, card_class: &str, popup: Option<&PopupFrame>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Authsignal sandbox" }
                link rel="stylesheet" href=(public(STYLESHEET_PATH));
                @if let Some(frame) = popup {
                    script src=(public(POPUP_SCRIPT_PATH)) data-target-origin=(frame.app_origin) defer {}
                }
            }
            body class=[popup.map(|_| "popup")] {
                main class=(card_class) {
                    p class="brand" aria-hidden="true" { "Authsignal " span { "sandbox" } }
                    (body)
                }
            }
        }
    }
}

/// Nobody may frame a page, except the app's origin in popup mode. An app on the
/// sandbox's own origin also gets `X-Frame-Options: SAMEORIGIN`, which keeps the
/// storefront from adding `DENY`; a cross-origin app gets none (it can't name an origin).
fn framing_headers(popup: Option<&PopupFrame>) -> Vec<(HeaderName, String)> {
    let ancestors = popup.map_or("'none'", |frame| frame.app_origin.as_str());
    let mut headers = vec![(
        header::CONTENT_SECURITY_POLICY,
        format!("{CONTENT_SECURITY_POLICY}; frame-ancestors {ancestors}"),
    )];
    if popup.is_some_and(|frame| frame.same_origin) {
        headers.push((header::X_FRAME_OPTIONS, "SAMEORIGIN".to_owned()));
    }
    headers
}

/// An error / warning box that screen readers announce.
pub(crate) fn alert(message: &str) -> Markup {
    html! { div class="alert" role="alert" { (message) } }
}

/// A success / information box.
pub(crate) fn notice(message: &str) -> Markup {
    html! { div class="notice" role="status" { (message) } }
}

/// `1 Jan 2026, 10:00 UTC`.
pub(crate) fn human_time(millis: i64) -> String {
    from_millis(millis)
        .format(format_description!(
            "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let hostile = r#"<a href="x">'&'</a>"#;
        assert_eq!(
            alert(hostile).into_string(),
            r#"<div class="alert" role="alert">&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;</div>"#
        );
        assert!(return_link(hostile)
            .into_string()
            .contains(r#"href="&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;""#));
    }

    #[test]
    fn only_popup_pages_may_be_framed_and_only_by_the_app() {
        let policy = |popup: Option<&PopupFrame>| framing_headers(popup);
        assert_eq!(
            policy(None),
            vec![(
                header::CONTENT_SECURITY_POLICY,
                format!("{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'")
            )]
        );
        let cross = PopupFrame {
            app_origin: "https://app.example".into(),
            same_origin: false,
        };
        assert_eq!(
            policy(Some(&cross)),
            vec![(
                header::CONTENT_SECURITY_POLICY,
                format!("{CONTENT_SECURITY_POLICY}; frame-ancestors https://app.example")
            )]
        );
        let embedded = PopupFrame {
            same_origin: true,
            ..cross
        };
        assert!(
            policy(Some(&embedded)).contains(&(header::X_FRAME_OPTIONS, "SAMEORIGIN".to_owned()))
        );
    }

    #[test]
    fn formats_times_for_people() {
        assert_eq!(human_time(1_767_261_600_000), "1 Jan 2026, 10:00 UTC");
    }
}
