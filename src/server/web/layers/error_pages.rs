//! A last line for failures below the app (e.g. the session store unreachable, which
//! tower-sessions answers with an empty 500): the customer gets a page that says what
//! happened and what to do, instead of a blank screen.

use axum::body::HttpBody as _;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

const PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Temporarily unavailable · Northwind Supply</title><link rel="stylesheet" href="/pkg/storefront.css"></head><body><main class="page"><h1>We're having trouble right now</h1><p>Something on our side isn't responding. Nothing you did caused this, and nothing was lost. Please try again in a moment.</p><p><a href="/">Back to the shop</a></p></main></body></html>"#;

/// Replaces an empty 5xx answer to a browser with a readable page.
pub async fn friendly_server_errors(request: Request, next: Next) -> Response {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let response = next.run(request).await;
    if !wants_html
        || !response.status().is_server_error()
        || response.body().size_hint().exact() != Some(0)
    {
        return response;
    }
    let status = response.status();
    let mut page = (status, Html(PAGE)).into_response();
    // Only the stylesheet may load; the page has no script.
    page.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    if status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE {
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    page
}
