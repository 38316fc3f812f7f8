//! Opening the UI from track's `url`, and deciding which screen comes next.

use axum::extract::{Query, State};
use axum::response::Response;

use super::context::{see_other, Screen, UiError, UI_SESSION_LIFETIME};
use super::extract::Ui;
use super::popup::{frame_pages, POPUP_MODE};
use super::UiParams;
use crate::state::AppState;
use crate::store::ActionKey;
use crate::token::{Claims, TokenKind};

/// `GET /ui?token=…[&mode=popup]`: swaps the app-facing track token for a UI session
/// token, which keeps the mode for the rest of the visit.
pub(crate) async fn open(
    State(state): State<AppState>,
    Query(params): Query<UiParams>,
) -> Result<Response, UiError> {
    let token = params
        .token
        .filter(|t| !t.is_empty())
        .ok_or(UiError::InvalidLink)?;
    let claims = match state.signer.verify(&token) {
        Ok(claims) if claims.kind == TokenKind::Action => claims,
        _ => return Err(UiError::InvalidLink),
    };
    let key = ActionKey {
        user_id: claims.sub.clone(),
        action_code: claims.action_code.clone(),
        idempotency_key: claims.idempotency_key.clone(),
    };
    let action = state
        .store
        .find_action(&key)
        .await?
        .ok_or(UiError::InvalidLink)?;
    let popup = params.mode.as_deref() == Some(POPUP_MODE);
    frame_pages(
        popup,
        &state.config.public_url,
        action.redirect_url.as_deref(),
    );
    let now = state.clock.now_for(&claims.sub);
    if claims.is_expired(now) {
        return Err(UiError::Expired {
            return_url: action.redirect_url,
        });
    }
    let ui_token = state.signer.sign(&Claims {
        kind: TokenKind::Ui,
        iat: now.unix_timestamp(),
        exp: (now + UI_SESSION_LIFETIME).unix_timestamp(),
        popup,
        ..claims
    });
    Ok(see_other(&format!(
        "{}/ui/next?s={ui_token}",
        state.config.public_url
    )))
}

/// `GET /ui/next`: enrollment, challenge, settings or back to the app.
pub(crate) async fn next(Ui { ctx, .. }: Ui) -> Response {
    match ctx.screen() {
        Screen::Enroll => ctx.go("/enroll", &[]),
        Screen::Challenge => ctx.go("/challenge", &[]),
        Screen::Settings => ctx.go("/settings", &[]),
        Screen::Finish => ctx.finish(),
    }
}
