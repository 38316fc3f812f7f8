//! A signed-out visitor's first view of the public pages (home, sign in, sign up, forgot
//! password) is the same for everyone but for the CSP nonce: it is rendered once per process
//! and then served from memory, with a fresh nonce in the page and its policy every time.
//!
//! Only a request that cannot be personalised is served from here: a GET of one of those
//! paths, with no query string and no cookie but Authsignal's device id (no session, no
//! refused form coming back, nothing unknown). Only a render that personalised nothing is kept: 200, HTML, no `Set-Cookie`. The
//! pages change only with a new build, which is a new process, so nothing is ever evicted.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::routes;

/// The pages a signed-out visitor sees the same as everyone else.
const PUBLIC_PAGES: &[&str] = &[
    routes::HOME,
    routes::SIGN_IN,
    routes::SIGN_UP,
    routes::FORGOT_PASSWORD,
];

/// Far larger than any of those pages (~5 KB): reading a render back stops there.
const MAX_PAGE_BYTES: usize = 256 * 1024;

/// One kept page: its body and its policy, each split where the nonce was.
struct KeptPage {
    body: Vec<Bytes>,
    policy: Vec<String>,
    content_type: HeaderValue,
}

impl KeptPage {
    /// Splits a rendered page at its nonce; `None` when the page carries none to replace.
    fn from_render(
        body: &Bytes,
        policy: &str,
        nonce: &str,
        content_type: HeaderValue,
    ) -> Option<KeptPage> {
        if nonce.is_empty() || !policy.contains(nonce) {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        Some(KeptPage {
            body: text
                .split(nonce)
                .map(|part| Bytes::copy_from_slice(part.as_bytes()))
                .collect(),
            policy: policy.split(nonce).map(str::to_string).collect(),
            content_type,
        })
    }

    /// The page with `nonce` wherever the render had its own.
    fn with_nonce(&self, nonce: &str) -> Response {
        let mut body = Vec::with_capacity(self.body.iter().map(Bytes::len).sum::<usize>() + 64);
        for (i, part) in self.body.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(nonce.as_bytes());
            }
            body.extend_from_slice(part);
        }
        let policy = self.policy.join(nonce);
        let mut response = (StatusCode::OK, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        if let Ok(policy) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        response
    }
}

/// The kept pages, by path.
#[derive(Clone, Default)]
pub struct PageCache(Arc<RwLock<HashMap<&'static str, Arc<KeptPage>>>>);

/// A fresh CSP nonce, made as Leptos makes the one of every render.
fn new_nonce() -> String {
    leptos::nonce::Nonce::new().to_string()
}

/// Cookies no render reads: the device id only travels with posts (sign-in, launches).
const IMPERSONAL_COOKIES: &[&str] = &[crate::server::web::request_context::DEVICE_ID_COOKIE];

/// Whether every cookie the request carries (in every `Cookie` header) is one no render reads.
fn only_impersonal_cookies(request: &Request) -> bool {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .all(|value| {
            value.to_str().is_ok_and(|cookies| {
                cookies
                    .split(';')
                    .map(|pair| pair.split('=').next().unwrap_or("").trim())
                    .all(|name| name.is_empty() || IMPERSONAL_COOKIES.contains(&name))
            })
        })
}

/// The path of a request that nothing could personalise, if it is one of the public pages.
fn anonymous_public_page(request: &Request) -> Option<&'static str> {
    if request.method() != Method::GET
        || request.uri().query().is_some()
        || !only_impersonal_cookies(request)
    {
        return None;
    }
    PUBLIC_PAGES
        .iter()
        .copied()
        .find(|p| *p == request.uri().path())
}

/// The nonce a render used, read back from its policy (`'nonce-…'`).
fn nonce_of(policy: &str) -> Option<&str> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    Some(&policy[start..start + len])
}

/// Serves a kept page, or renders it (and keeps it when nothing in it was personal).
pub async fn serve(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    let Some(path) = anonymous_public_page(&request) else {
        return next.run(request).await;
    };
    let kept = cache
        .0
        .read()
        .ok()
        .and_then(|pages| pages.get(path).cloned());
    if let Some(page) = kept {
        return page.with_nonce(&new_nonce());
    }
    let response = next.run(request).await;
    let headers = response.headers();
    let keepable = response.status() == StatusCode::OK && !headers.contains_key(header::SET_COOKIE);
    let (Some(policy), Some(content_type)) = (
        headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers
            .get(header::CONTENT_TYPE)
            .filter(|v| v.as_bytes().starts_with(b"text/html"))
            .cloned(),
    ) else {
        return response;
    };
    if !keepable {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        tracing::error!(path, "a public page could not be read back for keeping");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(page) = nonce_of(&policy)
        .and_then(|nonce| KeptPage::from_render(&bytes, &policy, nonce, content_type))
    {
        if let Ok(mut pages) = cache.0.write() {
            pages.insert(path, Arc::new(page));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use crate::server::web::layers::page_cache::*;

    #[test]
    fn a_kept_page_carries_a_new_nonce_everywhere_the_render_had_its_own() {
        let body = Bytes::from_static(b"<script nonce=\"abc\">x</script><p>abc</p>");
        let page = KeptPage::from_render(
            &body,
            "script-src 'nonce-abc'",
            "abc",
            HeaderValue::from_static("text/html"),
        )
        .unwrap();
        let response = page.with_nonce("XYZ");
        assert_eq!(
            response.headers()[header::CONTENT_SECURITY_POLICY],
            "script-src 'nonce-XYZ'"
        );
        assert_eq!(
            nonce_of("default-src 'self'; script-src 'self' 'nonce-q1w2' 'wasm-unsafe-eval'"),
            Some("q1w2")
        );
        assert_ne!(new_nonce(), new_nonce());
    }

    fn get(uri: &str, cookie: Option<&str>) -> Request {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::empty()).unwrap()
    }

    #[test]
    fn only_requests_nothing_could_personalise_are_served_from_the_kept_copy() {
        assert_eq!(anonymous_public_page(&get("/", None)), Some("/"));
        assert_eq!(
            anonymous_public_page(&get("/signin", Some("__as_aid=0123456789abcdef-aa"))),
            Some("/signin")
        );
        for (uri, cookie) in [
            ("/", Some("storefront_session=abc")),
            ("/", Some("__as_aid=x; storefront_session=abc")),
            ("/signin", Some("storefront_form_sign_in=e30.AAAA")),
            ("/signup", Some("someone_elses=1")),
            ("/signin?next=%2Faccount", None),
            ("/account", None),
            ("/signin/return", None),
        ] {
            assert_eq!(
                anonymous_public_page(&get(uri, cookie)),
                None,
                "{uri} {cookie:?}"
            );
        }
        let post = Request::post("/signin").body(Body::empty()).unwrap();
        assert_eq!(anonymous_public_page(&post), None);
    }
}
