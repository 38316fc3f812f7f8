//! One error for page and form handlers: its cause is logged once, here, and the browser gets
//! a 500 with a sentence fit for a customer, so handlers use `?`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::model::AppError;

/// Whatever went wrong underneath (database, session store, Authsignal); never shown.
pub struct PageError(String);

impl<E: std::fmt::Display> From<E> for PageError {
    fn from(cause: E) -> PageError {
        PageError(cause.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "request failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Internal.to_string(),
        )
            .into_response()
    }
}

/// What a page or form handler answers.
pub type PageResult = Result<Response, PageError>;

/// The 500 for `cause`, where a handler cannot use `?` (inside a closure).
pub fn internal(cause: impl std::fmt::Display) -> Response {
    PageError::from(cause).into_response()
}
