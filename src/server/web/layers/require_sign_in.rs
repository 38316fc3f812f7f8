//! Pages only a signed-in customer may see: a signed-out visitor is sent to sign in first.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::routes::{self, SIGNED_IN_ONLY};
use crate::server::sessions::TypedSession;
use crate::server::state::AppState;

pub async fn require_sign_in(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    if request.method() == axum::http::Method::GET && SIGNED_IN_ONLY.contains(&path.as_str()) {
        let signed_in = match request.extensions().get::<Session>() {
            Some(session) => match TypedSession::new(
                session.clone(),
                &state.users,
                state.settings.session_inactivity,
            )
            .user_id()
            .await
            {
                Ok(user) => user.is_some(),
                // The session store is down: not "signed out", so no trip to a sign-in that would fail.
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            },
            None => false,
        };
        if !signed_in {
            // The query (which may hold a token) is dropped: it must not travel further.
            return Redirect::to(&routes::sign_in_then(routes::page_of(&path))).into_response();
        }
    }
    next.run(request).await
}
