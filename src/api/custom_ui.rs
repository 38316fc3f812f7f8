//! The custom-UI pages' first renders: what the add pages and the second-step page show. Their
//! forms post to plain routes (`crate::server::authsignal::custom_ui`), not to server functions.

use leptos::prelude::*;

use crate::model::custom_ui::{AddMethodView, ChallengeView, NewMethod};
use crate::model::AppError;

/// The step this customer's session is at on `method`'s add page.
#[server(endpoint = "load_add_method")]
pub async fn load_add_method(method: NewMethod) -> Result<AddMethodView, AppError> {
    crate::server::authsignal::custom_ui::add::view(method).await
}

/// The second step of sign-in or reset waiting in this session, if any.
#[server(endpoint = "load_second_step")]
pub async fn load_second_step() -> Result<ChallengeView, AppError> {
    crate::server::authsignal::custom_ui::challenge::view().await
}
