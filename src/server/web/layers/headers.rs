//! Security headers on every response: a nonce-based Content-Security-Policy that still lets
//! Leptos hydrate, no framing, no full-URL Referer (tokens ride in the address bar), no
//! sniffing, and HSTS when the storefront is served over https.

use axum::http::{header, HeaderValue};
use axum::Router;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_http::set_header::SetResponseHeaderLayer;

/// What a rendered page may load beyond its own origin, fixed at start-up.
#[derive(Clone, Debug, Default)]
pub struct PageSources {
    /// Popup mode: where the pre-built UI may be framed from.
    pub frames: Option<String>,
    /// The Web SDK's API origin, when it is not this origin (a real tenant).
    pub connect: Option<String>,
}

impl PageSources {
    /// From the settings: popup mode frames the pre-built UI; the Web SDK talks to the API.
    pub fn for_api(api_base_url: &str, popup: bool, web_sdk: bool) -> PageSources {
        let origin = url::Url::parse(api_base_url)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        let http_origin = origin.clone().filter(|o| o.starts_with("http://"));
        PageSources {
            frames: popup.then(|| match &http_origin {
                Some(origin) => format!("'self' https: {origin}"),
                None => "'self' https:".to_string(),
            }),
            connect: origin.filter(|_| web_sdk),
        }
    }
}

/// The policy for a rendered page: scripts only from this origin or carrying this response's
/// nonce (the hydration bootstrap), wasm compilation allowed, nothing may frame the page. In
/// popup mode the page may frame the pre-built UI; with the Web SDK it may call the API.
pub fn page_policy(nonce: &str, sources: &PageSources) -> String {
    let frames = sources
        .frames
        .as_deref()
        .map(|frames| format!("frame-src {frames}; "))
        .unwrap_or_default();
    let connect = sources
        .connect
        .as_deref()
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{connect}; {frames}object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// For everything that is not a rendered page (server functions, files, redirects).
const FALLBACK_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The nonce a page request's render uses, chosen before the render (`page_nonce`).
#[derive(Clone)]
struct PageNonce(leptos::nonce::Nonce);

/// Called while a page renders: the render uses the nonce chosen for this request, and puts
/// it into its policy.
pub fn provide_page_policy(sources: &PageSources) {
    let chosen = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = chosen {
        leptos::prelude::provide_context(nonce);
    }
    let (Some(nonce), Some(response)) =
        (leptos::nonce::use_nonce(), use_context::<ResponseOptions>())
    else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, sources)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Chooses the nonce of a page request before it renders, and makes sure an HTML response
/// carries the page policy with it even if the render did not set one (seen once in a while:
/// the page then fell back to `default-src 'none'` and lost its scripts and styles).
pub async fn page_nonce(
    axum::extract::State(sources): axum::extract::State<PageSources>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let nonce = leptos::nonce::Nonce::new();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html
        && !response
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        tracing::warn!("a page rendered without its policy; the chosen nonce's policy was added");
        if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.to_string(), &sources)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
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
    use crate::server::web::layers::headers::*;

    #[test]
    fn the_page_policy_allows_only_its_own_nonce_and_no_framing() {
        let policy = page_policy("abc123", &PageSources::default());
        assert!(!policy.contains("frame-src"));
        assert!(policy.contains("connect-src 'self';"));
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn popup_mode_frames_the_pre_built_ui_and_the_web_sdk_reaches_the_api() {
        let tenant = PageSources::for_api("https://api.authsignal.com/v1", true, true);
        let policy = page_policy("n", &tenant);
        assert!(policy.contains("frame-src 'self' https:;"));
        assert!(policy.contains("connect-src 'self' https://api.authsignal.com;"));
        let standalone = PageSources::for_api("http://127.0.0.1:7700/v1", true, false);
        let policy = page_policy("n", &standalone);
        assert!(policy.contains("frame-src 'self' https: http://127.0.0.1:7700;"));
        assert!(
            policy.contains("connect-src 'self';"),
            "no Web SDK, no API calls from the page"
        );
    }
}
