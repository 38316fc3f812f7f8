//! HTML building blocks for the pre-built UI and the outbox: escaping, the page shell
//! and its small stylesheet. Plain server-rendered HTML that works without JavaScript.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use time::macros::format_description;

use crate::clock::from_millis;

/// Escapes text for element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: the shell around `body`.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    shell(status, title, body, "card")
}

/// A page with room for a table.
pub(crate) fn wide_page(status: StatusCode, title: &str, body: &str) -> Response {
    shell(status, title, body, "card wide-card")
}

fn shell(status: StatusCode, title: &str, body: &str, card_class: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title} · Authsignal sandbox</title>
<style>{STYLE}</style>
</head>
<body>
<main class="{card_class}">
<p class="brand" aria-hidden="true">Authsignal <span>sandbox</span></p>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
    );
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Tokens ride in the URL; keep these pages out of caches.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An error / warning box that screen readers announce.
pub(crate) fn alert(message: &str) -> String {
    format!(
        r#"<div class="alert" role="alert">{}</div>"#,
        escape(message)
    )
}

/// A success / information box.
pub(crate) fn notice(message: &str) -> String {
    format!(
        r#"<div class="notice" role="status">{}</div>"#,
        escape(message)
    )
}

/// `1 Jan 2026, 10:00 UTC`.
pub(crate) fn human_time(millis: i64) -> String {
    from_millis(millis)
        .format(format_description!(
            "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

const STYLE: &str = r#"
:root { color-scheme: light; --ink:#1d2433; --muted:#5b6475; --line:#dde1e8; --brand:#3b5bdb; --brand-dark:#2f4ac0; --bad:#b42318; --bad-bg:#fef3f2; --ok:#05603a; --ok-bg:#ecfdf3; }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; background:#f4f5f8; color:var(--ink); font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; display:flex; align-items:flex-start; justify-content:center; padding:48px 16px; }
.card { width:100%; max-width:440px; background:#fff; border:1px solid var(--line); border-radius:12px; padding:28px 28px 24px; box-shadow:0 1px 3px rgba(16,24,40,.06); }
.brand { margin:0 0 20px; font-size:13px; font-weight:600; letter-spacing:.02em; color:var(--brand); }
.brand span { color:var(--muted); font-weight:500; }
h1 { font-size:22px; line-height:1.3; margin:0 0 8px; }
h2 { font-size:15px; margin:24px 0 8px; color:var(--muted); font-weight:600; }
p { margin:0 0 16px; color:var(--muted); }
p strong { color:var(--ink); }
label { display:block; font-weight:600; font-size:14px; margin:0 0 6px; }
input[type=text], input[type=email], input[type=tel] { width:100%; font:inherit; padding:10px 12px; border:1px solid #c5cbd6; border-radius:8px; margin:0 0 16px; }
input:focus, button:focus-visible, a:focus-visible { outline:3px solid rgba(59,91,219,.35); outline-offset:1px; }
input.code { letter-spacing:.3em; font-size:20px; font-variant-numeric:tabular-nums; }
button, .button { display:inline-block; font:inherit; font-weight:600; border-radius:8px; padding:10px 16px; border:1px solid var(--brand); background:var(--brand); color:#fff; cursor:pointer; text-decoration:none; }
button:hover, .button:hover { background:var(--brand-dark); }
button.secondary, .button.secondary { background:#fff; color:var(--ink); border-color:#c5cbd6; }
button.secondary:hover { background:#f4f5f8; }
button.danger { background:#fff; color:var(--bad); border-color:#f1b8b2; }
button.danger:hover { background:var(--bad-bg); }
button:disabled, button:disabled:hover { background:#f4f5f8; color:#98a1b2; border-color:var(--line); cursor:not-allowed; }
button.small { padding:5px 10px; font-size:14px; }
.wide { width:100%; }
form { margin:0; }
.stack > * + * { margin-top:10px; }
.choices { display:grid; gap:10px; margin:0 0 8px; }
.choice { width:100%; text-align:left; background:#fff; color:var(--ink); border:1px solid #c5cbd6; padding:14px 16px; }
.choice:hover { background:#f4f5f8; border-color:var(--brand); }
.hint { display:block; font-size:13px; color:var(--muted); margin:2px 0 0; }
.alert { background:var(--bad-bg); color:var(--bad); border:1px solid #f6cfc9; border-radius:8px; padding:10px 12px; margin:0 0 16px; font-size:15px; }
.notice { background:var(--ok-bg); color:var(--ok); border:1px solid #b7ebcc; border-radius:8px; padding:10px 12px; margin:0 0 16px; font-size:15px; }
ul.authenticators { list-style:none; padding:0; margin:0 0 16px; border:1px solid var(--line); border-radius:10px; }
ul.authenticators li { padding:14px 16px; display:flex; gap:12px; justify-content:space-between; align-items:flex-start; }
ul.authenticators li + li { border-top:1px solid var(--line); }
.method { font-weight:600; }
.badge { display:inline-block; font-size:12px; font-weight:600; color:var(--brand); background:#eef2ff; border-radius:999px; padding:1px 8px; margin-left:6px; vertical-align:1px; }
.detail, .meta { display:block; font-size:14px; color:var(--muted); overflow-wrap:anywhere; }
.meta { font-size:13px; }
.row-actions { display:flex; flex-direction:column; gap:6px; align-items:flex-end; flex-shrink:0; }
.footer-actions { display:flex; gap:10px; justify-content:space-between; align-items:center; margin-top:8px; }
.qr { display:flex; justify-content:center; margin:0 0 12px; }
.qr svg { width:200px; height:200px; }
code { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:14px; background:#f4f5f8; border:1px solid var(--line); border-radius:6px; padding:2px 6px; overflow-wrap:anywhere; }
.secret { display:block; font-size:15px; letter-spacing:.05em; padding:8px 10px; margin:0 0 12px; }
.caption { font-weight:600; font-size:14px; color:var(--ink); margin:0 0 6px; }
.secret.uri { font-size:12px; letter-spacing:0; margin-bottom:20px; }
.links { margin-top:16px; font-size:14px; }
a { color:var(--brand); }
table { width:100%; border-collapse:collapse; font-size:14px; }
th, td { text-align:left; padding:8px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; }
td.code { font-family:ui-monospace, Menlo, Consolas, monospace; font-size:16px; letter-spacing:.1em; }
.card.wide-card { max-width:720px; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn formats_times_for_people() {
        assert_eq!(human_time(1_767_261_600_000), "1 Jan 2026, 10:00 UTC");
    }
}
