//! Test-only hooks (routed only when test hooks are on): move the sandbox clock, count
//! API calls per route (what the benchmark divides by page views), set what track
//! answers for an action code, and list webhook deliveries.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::clock::{iso8601, to_millis, AdvanceRefused, MAX_ADVANCE_SECS};
use crate::domain::is_valid_action_code;
use crate::outcomes::ActionRule;
use crate::state::AppState;
use crate::store::DeliveryRow;
use crate::wire::{json, ApiError, ApiJson, ApiPath, ApiResult};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Advance {
    #[serde(default)]
    seconds: i64,
    /// Only this user's clock moves, so parallel tests don't expire each other's tokens.
    user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Whose {
    user_id: Option<String>,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/_test/clock", get(read_clock))
        .route("/_test/clock/advance", post(advance_clock))
        .route("/_test/stats", get(read_stats).delete(reset_stats))
        .route("/_test/webhooks", get(list_webhooks))
        .route(
            "/_test/actions/{action_code}",
            get(read_action_rule)
                .put(set_action_rule)
                .delete(reset_action_rule),
        )
}

async fn read_stats(State(state): State<AppState>) -> Response {
    let routes = state.stats.snapshot();
    let total: u64 = routes.values().sum();
    json(StatusCode::OK, &json!({ "total": total, "routes": routes }))
}

async fn reset_stats(State(state): State<AppState>) -> Response {
    state.stats.reset();
    json(StatusCode::OK, &json!({ "reset": true }))
}

async fn advance_clock(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Advance>,
) -> ApiResult {
    state
        .clock
        .advance(body.seconds, body.user_id.as_deref())
        .map_err(advance_refused)?;
    Ok(clock_json(&state, body.user_id.as_deref()))
}

/// The 400 for a move the clock refuses, saying what it accepts.
fn advance_refused(refused: AdvanceRefused) -> ApiError {
    ApiError::invalid_request(match refused {
        AdvanceRefused::TooFar => format!(
            "seconds must be between -{MAX_ADVANCE_SECS} and {MAX_ADVANCE_SECS} (ten years) per call."
        ),
        AdvanceRefused::OutOfRange => {
            "The clock is already as far from now as the sandbox allows (a hundred years); move it back first.".to_owned()
        }
    })
}

async fn read_clock(State(state): State<AppState>, Query(whose): Query<Whose>) -> Response {
    clock_json(&state, whose.user_id.as_deref())
}

fn clock_json(state: &AppState, user_id: Option<&str>) -> Response {
    let now = match user_id {
        Some(user_id) => state.clock.now_for(user_id),
        None => state.clock.now(),
    };
    json(
        StatusCode::OK,
        &json!({ "now": iso8601(to_millis(now)), "unixSeconds": now.unix_timestamp() }),
    )
}

/// The action code from the path, if track would accept it.
fn action_code(raw: String) -> Result<String, ApiError> {
    if is_valid_action_code(&raw) {
        Ok(raw)
    } else {
        Err(ApiError::invalid_request(
            "The action code must match ^[a-zA-Z0-9_-]{1,64}$.",
        ))
    }
}

/// `GET /_test/actions/{actionCode}`: the rule track applies now.
async fn read_action_rule(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult {
    let code = action_code(code)?;
    Ok(json(StatusCode::OK, &state.outcomes.rule_for(&code)))
}

/// `PUT /_test/actions/{actionCode}` with `{"defaultOutcome", "challengeWhenEnrolled"?}`.
async fn set_action_rule(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(rule): ApiJson<ActionRule>,
) -> ApiResult {
    let code = action_code(code)?;
    state.outcomes.set(&code, rule);
    Ok(json(StatusCode::OK, &rule))
}

/// `DELETE /_test/actions/{actionCode}`: back to the configured rule.
async fn reset_action_rule(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult {
    let code = action_code(code)?;
    state.outcomes.reset(&code);
    Ok(json(StatusCode::OK, &state.outcomes.rule_for(&code)))
}

/// `GET /_test/webhooks`: every webhook event queued, oldest first, with how its delivery
/// went (never the body: tests read that at their receiver).
async fn list_webhooks(State(state): State<AppState>) -> ApiResult {
    let rows = state.store.list_webhook_deliveries().await?;
    let body: Vec<serde_json::Value> = rows.iter().map(delivery_json).collect();
    Ok(json(StatusCode::OK, &body))
}

fn delivery_json(row: &DeliveryRow) -> serde_json::Value {
    json!({
        "id": row.event_id,
        "type": row.event_type,
        "createdAt": iso8601(row.created_at),
        "attempts": row.attempts,
        "delivered": row.delivered_at.is_some(),
        "abandoned": row.abandoned_at.is_some(),
        "lastStatus": row.last_status,
        "lastError": row.last_error,
    })
}
