//! Security headers on every response: a nonce-based Content-Security-Policy that still lets
//! Leptos hydrate, no framing, no full-URL Referer (tokens ride in the address bar), no
//! sniffing, and HSTS when the storefront is served over https.

use axum::http::{header, HeaderValue};
use axum::Router;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for a rendered page: scripts only from this origin or carrying this response's
/// nonce (the hydration bootstrap), wasm compilation allowed, nothing may frame the page. In
/// popup mode the page may frame the pre-built UI: `frame_src` says from where.
pub fn page_policy(nonce: &str, frame_src: Option<&str>) -> String {
    let frames = frame_src
        .map(|sources| format!("frame-src {sources}; "))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; {frames}object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// For everything that is not a rendered page (server functions, files, redirects).
const FALLBACK_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Called while a page renders: puts this render's nonce into its policy.
pub fn provide_page_policy(frame_src: Option<&str>) {
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<ResponseOptions>())
    else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, frame_src)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Where a popup-mode page may load the pre-built UI from: this origin (embedded sandbox),
/// any https origin (Authsignal's, or a custom domain), and the configured API's own origin
/// (a standalone sandbox on plain http).
pub fn prebuilt_ui_frame_src(api_base_url: &str) -> String {
    let api_origin = url::Url::parse(api_base_url)
        .ok()
        .filter(|u| u.scheme() == "http")
        .map(|u| u.origin().ascii_serialization());
    match api_origin {
        Some(origin) => format!("'self' https: {origin}"),
        None => "'self' https:".to_string(),
    }
}

/// Adds the headers every response carries (a page's own policy wins over the fallback).
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(FALLBACK_POLICY),
        ))
        // Tokens arrive in the address bar: never pass a full URL on as a Referer.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ));
    if https {
        // Two years, as hstspreload.org asks; only sent when the base URL is https.
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ))
    } else {
        router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_its_own_nonce_and_no_framing() {
        let policy = page_policy("abc123", None);
        assert!(!policy.contains("frame-src"));
        assert!(page_policy("abc123", Some("'self' https:")).contains("frame-src 'self' https:;"));
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
