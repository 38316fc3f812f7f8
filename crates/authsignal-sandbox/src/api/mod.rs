//! The Server API subset, under `/v1`, behind Basic auth with the tenant secret key.

mod actions;
mod authenticators;
mod bodies;
mod users;
mod validate;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::state::AppState;
use crate::testing;
use crate::wire::ApiError;

/// The Server API, with the Client API's router nested at `/client`; it is passed in so
/// neither surface imports the other.
pub(crate) fn router(state: AppState, client: Router<AppState>) -> Router<AppState> {
    Router::new()
        // POST on a user is the legacy spelling of update that the Ruby and Java SDKs use.
        .route(
            "/users/{user_id}",
            get(users::get_user)
                .patch(users::update_user)
                .post(users::update_user)
                .delete(users::delete_user),
        )
        .route(
            "/users/{user_id}/authenticators",
            get(authenticators::list).post(authenticators::enroll),
        )
        .route(
            "/users/{user_id}/authenticators/{authenticator_id}",
            delete(authenticators::delete),
        )
        .route("/users/{user_id}/actions/{action}", post(actions::track))
        .route(
            "/users/{user_id}/actions/{action}/{idempotency_key}",
            get(actions::get_action).patch(actions::update_action),
        )
        .route("/validate", post(validate::validate))
        .route_layer(from_fn_with_state(state.clone(), testing::inject))
        .route_layer(from_fn_with_state(state, require_secret_key))
        // The Client API: its own authentication (the token / tenant id) and CORS.
        .nest("/client", client)
        // A catch-all route rather than only a fallback: fallbacks of doubly nested
        // routers (storefront → /sandbox → /v1) are not reached.
        .route(
            "/{*rest}",
            any(|| async { ApiError::not_found("No such API route.") }),
        )
        .fallback(|| async { ApiError::not_found("No such API route.") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "This method is not allowed on this route.",
            )
        })
}

/// Basic auth: the secret key as the username, the password ignored (SDKs send "").
async fn require_secret_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if presented_secret(request.headers()).is_some_and(|secret| {
        bool::from(secret.as_bytes().ct_eq(state.config.secret_key.as_bytes()))
    }) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

fn presented_secret(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (username, _password) = decoded.split_once(':').unwrap_or((&decoded, ""));
    Some(username.to_owned())
}
