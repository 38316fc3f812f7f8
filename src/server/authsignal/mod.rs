//! Authsignal on the storefront: the client, the account page's flows behind its buttons,
//! passkeys in place, the one round trip to the pre-built UI and back, and the webhooks.

pub mod change_lease;
pub mod client;
pub mod clock;
pub mod custom_ui;
pub mod deliveries;
pub mod enroll_verified;
pub mod flows;
pub mod passkeys;
pub mod probe;
pub mod round_trip;
pub mod views;
pub mod webhooks;

/// A challenge counts as recent for this long (Authsignal's binding window).
pub const VERIFICATION_WINDOW_SECS: i64 = 10 * 60;

use axum::routing::{get, post};
use axum::Router;

use crate::routes;
use crate::server::state::AppState;

/// The account page's returns from the pre-built UI and the passkey forms (behind sessions).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            routes::ACCOUNT_RETURN,
            get(round_trip::returns::account_return),
        )
        .route(routes::ADD_PASSKEY_VERIFY, post(passkeys::verify_to_add))
        .route(
            routes::PASSKEY_OFFER_DISMISS,
            post(passkeys::dismiss_passkey_offer),
        )
        .merge(custom_ui::routes())
}

/// Authsignal's webhook deliveries: server to server and signed, so no session, no cookies
/// and no cross-site check.
pub fn webhook_routes(state: AppState) -> Router {
    Router::new()
        .route(routes::AUTHSIGNAL_WEBHOOK, post(webhooks::receive))
        .with_state(state)
}
