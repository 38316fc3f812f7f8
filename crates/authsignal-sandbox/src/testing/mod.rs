//! The test-only hooks, routed only when test hooks are on: fault injection (`/_faults`)
//! and `/_test/*` (the clock, call counts, action outcomes, webhook deliveries).

mod faults;
mod hooks;

use axum::Router;

pub(crate) use faults::inject;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    faults::router().merge(hooks::router())
}
