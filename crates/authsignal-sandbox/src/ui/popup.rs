//! Popup mode (`&mode=popup`, which the Web SDK appends in its popup and window modes):
//! the UI runs inside the app's iframe (or a window it opened), may be framed by the app's
//! origin only, and ends by posting `{event: "AUTHSIGNAL_CLOSE_POPUP", token}` to it
//! instead of redirecting. Messages are JSON strings, as `@authsignal/browser` parses them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::html::{frame_for_popup, page, PopupFrame};

/// The `mode` value that opens a popup session.
pub(crate) const POPUP_MODE: &str = "popup";

impl PopupFrame {
    /// The frame for an action: none without an http(s) `redirectUrl`, since the messages
    /// must name their target origin (never `*`).
    pub(crate) fn for_action(public_url: &str, redirect_url: Option<&str>) -> Option<PopupFrame> {
        let app = url::Url::parse(redirect_url?).ok()?;
        if !matches!(app.scheme(), "http" | "https") {
            return None;
        }
        let app_origin = app.origin();
        let same_origin = url::Url::parse(public_url).is_ok_and(|own| own.origin() == app_origin);
        Some(PopupFrame {
            app_origin: app_origin.ascii_serialization(),
            same_origin,
        })
    }
}

/// In a popup visit, lets the current request's pages be framed by (and talk to) the app.
pub(crate) fn frame_pages(
    popup: bool,
    public_url: &str,
    redirect_url: Option<&str>,
) -> Option<PopupFrame> {
    let frame = PopupFrame::for_action(public_url, redirect_url).filter(|_| popup)?;
    frame_for_popup(frame.clone());
    Some(frame)
}

/// The end of a popup session: `popup.js` posts the token to the app's window, or, when
/// the page is not framed or opened by the app, goes to `return_url` (which carries it).
pub(crate) fn done_page(token: &str, return_url: &str) -> Response {
    page(
        StatusCode::OK,
        "Done",
        html! {
            h1 { "Done" }
            p { "You're verified. Returning to the app…" }
            div id="authsignal-popup-done" data-token=(token) data-return-url=(return_url) hidden {}
            p { a class="button" href=(return_url) { "Return to the app" } }
        },
    )
}

/// `GET /ui/popup.js`: the messages the Web SDK listens for (no CDN, no build step).
pub(crate) async fn script() -> Response {
    let mut response = (StatusCode::OK, include_str!("popup.js")).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (header::CACHE_CONTROL, "no-cache"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_is_the_redirect_urls_origin_and_nothing_else() {
        let frame = PopupFrame::for_action(
            "http://localhost:7700",
            Some("https://app.example:8443/back?next=https://evil.example/#x"),
        );
        assert_eq!(
            frame,
            Some(PopupFrame {
                app_origin: "https://app.example:8443".into(),
                same_origin: false,
            })
        );
        let embedded = PopupFrame::for_action(
            "http://localhost:3000/sandbox",
            Some("http://localhost:3000/account"),
        );
        assert!(embedded.is_some_and(|f| f.same_origin && f.app_origin == "http://localhost:3000"));
        assert_eq!(PopupFrame::for_action("http://localhost:7700", None), None);
        assert_eq!(
            PopupFrame::for_action("http://localhost:7700", Some("javascript:alert(1)")),
            None
        );
    }
}
