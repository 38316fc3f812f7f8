//! Hostile or broken request bodies get a clear 4xx, never a 500: a size cap on every body,
//! form posts that cannot be read answered with 400, and server functions whose arguments
//! cannot be read answered with 400 instead of server_fn's blanket 500.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::de::DeserializeOwned;

use crate::model::AppError;

/// The largest body any route accepts: the biggest real form is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// An urlencoded form whose rejections are plain-text 400s (413 when too large).
pub struct PostedForm<T>(pub T);

impl<T, S> FromRequest<S> for PostedForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(value)) => Ok(PostedForm(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::model::words::FORM_TOO_LARGE,
            )
                .into_response()),
            Err(rejection) => {
                tracing::info!(reason = %rejection.body_text(), "unreadable form refused");
                Err((
                    StatusCode::BAD_REQUEST,
                    crate::model::words::FORM_UNREADABLE,
                )
                    .into_response())
            }
        }
    }
}

/// server_fn answers every error with 500; an unreadable request is the caller's fault.
pub async fn server_fn_bad_input_is_400(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Internal.to_string(),
        )
            .into_response();
    };
    // The caller's mistake or a refusal is a 4xx: not logged as a server error, and the
    // session (a pending launch a refusal used up) is still saved.
    let status = match serde_json::from_slice::<AppError>(&bytes).ok() {
        Some(AppError::BadRequest) => Some(StatusCode::BAD_REQUEST),
        Some(AppError::NotSignedIn) => Some(StatusCode::UNAUTHORIZED),
        Some(AppError::Rejected(_)) => Some(StatusCode::FORBIDDEN),
        _ => None,
    };
    if let Some(status) = status {
        parts.status = status;
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    }
    Response::from_parts(parts, Body::from(bytes))
}
