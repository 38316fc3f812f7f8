//! The dev mailbox: with no SMTP server configured (and only with the embedded, loopback-only
//! sandbox), the mail the storefront would have sent is listed here, newest first —
//! `/dev/mailbox` for people, `/dev/mailbox/messages?to=` as JSON for tests.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Json, Response};
use maud::{html, DOCTYPE};
use serde::{Deserialize, Serialize};

use crate::server::state::AppState;

const LIST_LIMIT: i64 = 200;

#[derive(Deserialize)]
pub struct MailboxQuery {
    to: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct KeptMail {
    #[serde(rename = "to")]
    to_address: String,
    subject: String,
    #[serde(rename = "text")]
    body_text: String,
    #[serde(rename = "html")]
    body_html: String,
    created_at: i64,
}

async fn kept(state: &AppState, to: Option<&str>) -> sqlx::Result<Vec<KeptMail>> {
    let to = to
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    sqlx::query_as(
        "SELECT to_address, subject, body_text, body_html, created_at FROM outgoing_mail
         WHERE ($1 IS NULL OR to_address = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(to)
    .bind(LIST_LIMIT)
    .fetch_all(&state.pool)
    .await
}

fn failed(e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "reading the dev mailbox failed");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "The mailbox could not be read.",
    )
        .into_response()
}

/// `GET /dev/mailbox/messages?to=`: the kept messages as JSON, newest first.
pub async fn messages(
    State(state): State<AppState>,
    Query(query): Query<MailboxQuery>,
) -> Response {
    match kept(&state, query.to.as_deref()).await {
        Ok(mail) => Json(mail).into_response(),
        Err(e) => failed(e),
    }
}

/// `GET /dev/mailbox`: the kept messages as a page, each link clickable.
pub async fn page(State(state): State<AppState>, Query(query): Query<MailboxQuery>) -> Response {
    let mail = match kept(&state, query.to.as_deref()).await {
        Ok(mail) => mail,
        Err(e) => return failed(e),
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; title { "Dev mailbox" } }
            body {
                h1 { "Dev mailbox" }
                p { "Mail the storefront would have sent (no STOREFRONT_SMTP_URL is set). Newest first." }
                @if mail.is_empty() { p { "No mail yet." } }
                @for m in &mail {
                    article {
                        h2 { (m.subject) }
                        p { "To " (m.to_address) }
                        pre { (m.body_text) }
                        @for link in links(&m.body_text) {
                            p { a href=(link) { (link) } }
                        }
                        hr;
                    }
                }
            }
        }
    };
    Html(page.into_string()).into_response()
}

/// The web links in a message's text.
fn links(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .collect()
}

/// The dev mailbox (embedded mode without SMTP only): no session, read-only.
pub fn routes(state: AppState) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route(crate::routes::DEV_MAILBOX, get(page))
        .route(crate::routes::DEV_MAILBOX_MESSAGES, get(messages))
        .with_state(state)
}
