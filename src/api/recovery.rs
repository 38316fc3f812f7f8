//! Server functions of the recovery pages: whether the link in the address bar still works.

use leptos::prelude::*;

use crate::model::AppError;

/// Which kind of mailed link a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    ResetPassword,
    NotMe,
}

/// True while the link can still be used (unused and unexpired); says nothing about whose.
#[server(endpoint = "link_usable")]
pub async fn link_usable(kind: LinkKind, token: String) -> Result<bool, AppError> {
    use crate::server::recovery;
    use crate::server::recovery::tokens::LinkPurpose;
    let state = crate::server::state::AppState::from_context()?;
    let purpose = match kind {
        LinkKind::ResetPassword => LinkPurpose::ResetPassword,
        LinkKind::NotMe => LinkPurpose::NotMe,
    };
    Ok(recovery::link_usable(&state, &token, purpose).await)
}
