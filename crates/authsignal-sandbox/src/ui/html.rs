//! HTML building blocks for the pre-built UI and the outbox: escaping, the page shell,
//! its stylesheet and its security headers. Plain server-rendered HTML that works without
//! JavaScript, and nothing inline a Content-Security-Policy would have to allow.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::macros::format_description;

use crate::clock::from_millis;
use crate::state::AppState;

/// Where the stylesheet is served, under the public URL.
pub(crate) const STYLESHEET_PATH: &str = "/ui/style.css";

/// Every page's own policy: scripts and styles only from files the sandbox serves.
/// No `form-action`: forms end in a redirect back to the app, on another origin.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

tokio::task_local! {
    /// The public URL of the sandbox answering the current request.
    static PUBLIC_URL: Arc<str>;
}

/// Middleware: pages rendered for this request link the stylesheet under the sandbox's
/// public URL, error pages too (they are rendered without the config at hand).
pub(crate) async fn with_public_url(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let public_url = Arc::from(state.config.public_url.as_str());
    PUBLIC_URL.scope(public_url, next.run(request)).await
}

fn stylesheet_url() -> String {
    PUBLIC_URL
        .try_with(|public_url| format!("{public_url}{STYLESHEET_PATH}"))
        .unwrap_or_else(|_| STYLESHEET_PATH.to_owned())
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

/// Escapes text for element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: the shell around `body`.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    shell(status, title, body, "card")
}

/// A page with room for a table.
pub(crate) fn wide_page(status: StatusCode, title: &str, body: &str) -> Response {
    shell(status, title, body, "card wide-card")
}

fn shell(status: StatusCode, title: &str, body: &str, card_class: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · Authsignal sandbox</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body>
<main class="{card_class}">
<p class="brand" aria-hidden="true">Authsignal <span>sandbox</span></p>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
        stylesheet = escape(&stylesheet_url()),
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        // Tokens ride in the URL; keep these pages out of caches and Referer headers.
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// An error / warning box that screen readers announce.
pub(crate) fn alert(message: &str) -> String {
    format!(
        r#"<div class="alert" role="alert">{}</div>"#,
        escape(message)
    )
}

/// A success / information box.
pub(crate) fn notice(message: &str) -> String {
    format!(
        r#"<div class="notice" role="status">{}</div>"#,
        escape(message)
    )
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
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn formats_times_for_people() {
        assert_eq!(human_time(1_767_261_600_000), "1 Jan 2026, 10:00 UTC");
    }
}
