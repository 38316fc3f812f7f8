//! Refuses state-changing requests that come from another site (CSRF), on top of the
//! `SameSite=Lax` session cookie: `Sec-Fetch-Site` when the browser sends it, else `Origin`.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::state::AppState;

pub async fn refuse_cross_site_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if writes && is_cross_site(&request, &state.settings.origin()) {
        tracing::warn!(path = %request.uri().path(), "cross-site write refused");
        return (
            StatusCode::FORBIDDEN,
            crate::model::words::CROSS_SITE_REFUSED,
        )
            .into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request, own_origin: &str) -> bool {
    let header_value = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
    match header_value(header::HeaderName::from_static("sec-fetch-site")) {
        // Browsers compute this themselves; scripts on other sites can't forge it.
        Some(site) => !matches!(site, "same-origin" | "none"),
        // Older browsers: a present Origin must be ours. No Origin at all = not a browser form.
        None => header_value(header::ORIGIN).is_some_and(|origin| origin != own_origin),
    }
}
