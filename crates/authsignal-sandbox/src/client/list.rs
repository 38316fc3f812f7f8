//! `GET /client/user-authenticators`: the token's user's authenticators, as the Client API
//! shows them (with `isDefault`, the email / phone number masked).

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{json, Value};

use super::auth::Bearer;
use crate::state::AppState;
use crate::store::default_authenticator;
use crate::wire::{json, masked, ApiResult, AuthenticatorJson};

pub(crate) async fn list(State(state): State<AppState>, Bearer(caller): Bearer) -> ApiResult {
    let authenticators = state.store.list_authenticators(caller.user_id()).await?;
    let user = state.store.find_user(caller.user_id()).await?;
    let default_id =
        default_authenticator(user.as_ref(), &authenticators).map(|a| a.authenticator_id.clone());
    let body: Vec<Value> = authenticators
        .iter()
        .map(|row| {
            let mut entry = serde_json::to_value(AuthenticatorJson::from(row)).unwrap_or_default();
            // One authenticator is the default: the first of the default method.
            let is_default = default_id.as_deref() == Some(row.authenticator_id.as_str());
            entry["isDefault"] = json!(is_default);
            for field in ["email", "phoneNumber"] {
                if let Some(address) = entry[field].as_str().map(masked) {
                    entry[field] = json!(address);
                }
            }
            entry
        })
        .collect();
    Ok(json(StatusCode::OK, &body))
}
