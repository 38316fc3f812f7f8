//! Who is signed in, and what a form left behind after a failed post: server functions.

use leptos::prelude::*;

use crate::model::session::{Customer, FormName, FormState};
use crate::model::AppError;

/// The signed-in customer, if any.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Customer>, AppError> {
    use crate::server::sessions::TypedSession;
    use crate::server::state::AppState;
    let session = TypedSession::extract().await?;
    let Some(user_id) = session.user_id().await? else {
        return Ok(None);
    };
    let state = AppState::from_context()?;
    let user = state.users.find_signed_in(&user_id).await.map_err(|e| {
        tracing::error!(error = %e, "loading the signed-in customer failed");
        AppError::Internal
    })?;
    Ok(user.map(|u| Customer {
        name: u.display_name,
        email: u.email,
    }))
}

/// Takes (and clears) what the last failed post of `form` left in its cookie.
#[server(endpoint = "take_form_state")]
pub async fn take_form_state(form: FormName) -> Result<Option<FormState>, AppError> {
    use crate::server::state::AppState;
    let headers = leptos_axum::extract::<axum::http::HeaderMap>()
        .await
        .map_err(|_| AppError::Internal)?;
    let Some((kept, clearing)) = AppState::from_context()?.form_cookies.take(form, &headers) else {
        return Ok(None);
    };
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(axum::http::header::SET_COOKIE, clearing);
    }
    Ok(Some(kept))
}
