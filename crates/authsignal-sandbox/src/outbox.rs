//! The dev outbox: codes Authsignal would have emailed or texted, kept for people and
//! tests to read (`/outbox` as HTML, `/outbox/messages?to=` as JSON, newest first).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use crate::clock::iso8601;
use crate::state::AppState;
use crate::store::OutboxRow;
use crate::ui::html::{human_time, wide_page};
use crate::wire::{json, ApiError};

const LIST_LIMIT: i64 = 200;

#[derive(Debug, Default, Deserialize)]
struct OutboxQuery {
    to: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageJson {
    to: String,
    channel: String,
    code: String,
    created_at: String,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/outbox", get(outbox_page))
        .route("/outbox/messages", get(outbox_messages))
}

/// A `+` left unencoded in a query string arrives as a space; phone numbers start with one.
fn normalise_address(raw: Option<String>) -> Option<String> {
    raw.map(|to| match to.strip_prefix(' ') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => format!("+{rest}"),
        _ => to.trim().to_owned(),
    })
    .filter(|to| !to.is_empty())
}

async fn outbox_messages(
    State(state): State<AppState>,
    Query(query): Query<OutboxQuery>,
) -> Result<Response, ApiError> {
    let to = normalise_address(query.to);
    let rows = state.store.list_outbox(to.as_deref(), LIST_LIMIT).await?;
    let body: Vec<MessageJson> = rows
        .into_iter()
        .map(|row| MessageJson {
            to: row.to_address,
            channel: row.channel,
            code: row.code,
            created_at: iso8601(row.created_at),
        })
        .collect();
    Ok(json(StatusCode::OK, &body))
}

async fn outbox_page(State(state): State<AppState>, Query(query): Query<OutboxQuery>) -> Response {
    let to = normalise_address(query.to);
    match state.store.list_outbox(to.as_deref(), LIST_LIMIT).await {
        Ok(rows) => wide_page(StatusCode::OK, "Outbox", outbox_html(&rows, to.as_deref())),
        Err(e) => {
            tracing::error!(error = %e, "reading the outbox failed");
            wide_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Outbox",
                html! {
                    h1 { "Outbox" }
                    p { "The sandbox could not read its database." }
                },
            )
        }
    }
}

fn outbox_html(rows: &[OutboxRow], to: Option<&str>) -> Markup {
    html! {
        h1 { "Outbox" }
        @match to {
            Some(to) => p { "Messages to " strong { (to) } ", newest first." },
            None => p { "Codes the sandbox would have sent by email or SMS, newest first. Nothing here leaves this machine." },
        }
        @if rows.is_empty() {
            p { "No messages yet." }
        } @else {
            table {
                thead {
                    tr {
                        th scope="col" { "To" }
                        th scope="col" { "Channel" }
                        th scope="col" { "Code" }
                        th scope="col" { "Sent" }
                    }
                }
                tbody {
                    @for row in rows {
                        tr {
                            td { (row.to_address) }
                            td { (if row.channel == "SMS" { "SMS" } else { "Email" }) }
                            td class="code" { (row.code) }
                            td { (human_time(row.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_address;

    #[test]
    fn a_plus_decoded_as_space_is_restored() {
        assert_eq!(
            normalise_address(Some(" 64215550123".into())),
            Some("+64215550123".into())
        );
        assert_eq!(
            normalise_address(Some("jane@example.com".into())),
            Some("jane@example.com".into())
        );
        assert_eq!(normalise_address(Some("".into())), None);
    }
}
