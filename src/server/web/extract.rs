//! Extractors, so no handler wraps or checks by hand: the typed session, the signed-in
//! customer (whose rejection is the trip to sign in), and who calls a server function.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::model::AppError;
use crate::routes;
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;
use crate::server::web::error::internal;

impl FromRequestParts<AppState> for TypedSession {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        Ok(TypedSession::new(
            session,
            &state.users,
            state.settings.session_inactivity,
        ))
    }
}

impl TypedSession {
    /// The session of the request a server function is handling.
    pub async fn extract() -> Result<TypedSession, AppError> {
        let state = AppState::from_context()?;
        let session = leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session on the request (is the session layer installed?)");
            AppError::Internal
        })?;
        Ok(TypedSession::new(
            session,
            &state.users,
            state.settings.session_inactivity,
        ))
    }
}

/// The signed-in customer of a page or form request. A signed-out browser is sent to sign in
/// and back to the page it was on; the query (which may hold a token) goes no further.
pub struct SignedIn {
    pub session: TypedSession,
    pub user_id: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = TypedSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match session.user_id().await {
            Ok(Some(user_id)) => Ok(SignedIn { session, user_id }),
            Ok(None) => {
                let back_to = routes::page_of(parts.uri.path());
                Err(Redirect::to(&routes::sign_in_then(back_to)).into_response())
            }
            Err(e) => Err(internal(e)),
        }
    }
}

/// Who calls a server function, fetched once: their session and id, the state, the headers.
pub struct Caller {
    pub session: TypedSession,
    pub user_id: String,
    pub state: AppState,
    pub headers: HeaderMap,
}

impl Caller {
    /// The signed-in caller, or `NotSignedIn`.
    pub async fn signed_in() -> Result<Caller, AppError> {
        let session = TypedSession::extract().await?;
        let user_id = session.require_user_id().await?;
        let state = AppState::from_context()?;
        let headers = leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|_| AppError::Internal)?;
        Ok(Caller {
            session,
            user_id,
            state,
            headers,
        })
    }
}
