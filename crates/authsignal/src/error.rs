//! The one error type of the crate; every `Display` text is safe to log.

use std::time::Duration;

/// Longest excerpt of a server-provided text kept in an [`Error`].
pub(crate) const MAX_EXCERPT_CHARS: usize = 200;

/// Shorthand for `std::result::Result<T, authsignal::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling the Authsignal Server API.
///
/// No variant's `Display` contains the secret key, a challenge token or a request body, so
/// errors can be logged as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authsignal (or something in front of it) answered with a non-2xx status.
    #[error("Authsignal API error (HTTP {status}{}){}",
        code.as_deref().map(|c| format!(", {c}")).unwrap_or_default(),
        description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Api {
        /// The HTTP status code.
        status: u16,
        /// `errorCode` from the body, falling back to `error` (e.g. `unauthorized`,
        /// `invalid_request`, `too_many_requests`). `None` when the body had neither.
        code: Option<String>,
        /// `errorDescription` from the body, falling back to `message` (the shape a wrong
        /// host or route returns), truncated to 200 characters.
        description: Option<String>,
        /// The `Retry-After` header in seconds, when the server sent one (typically on 429).
        retry_after: Option<Duration>,
    },

    /// The request did not complete within the configured request timeout.
    #[error("Authsignal request timed out")]
    Timeout,

    /// No connection could be made (refused, DNS failure, TLS handshake failure, connect
    /// timeout). The request never reached Authsignal.
    #[error("could not connect to Authsignal at {host}")]
    Connection {
        /// The host (and port) that could not be reached, to spot a wrong region or URL.
        host: String,
        /// The underlying transport error, with its URL removed (it carries user ids).
        #[source]
        source: reqwest::Error,
    },

    /// The connection broke after the request was sent, or the response could not be read.
    #[error("Authsignal request failed in transit")]
    Transport {
        /// The underlying transport error, with its URL removed.
        #[source]
        source: reqwest::Error,
    },

    /// A 2xx response whose body is not the JSON this crate expects.
    #[error(
        "could not decode Authsignal response (HTTP {status}): {reason}; body starts: {excerpt}"
    )]
    Decode {
        /// The HTTP status code of the response.
        status: u16,
        /// What did not match, with any quoted values from the body replaced by `"…"`.
        reason: String,
        /// At most 200 characters of the body. JSON bodies have their string values replaced
        /// by `"…"`, so a token in a malformed response never reaches the logs.
        excerpt: String,
    },

    /// The call was refused before anything was sent (e.g. an empty or `..` user id).
    #[error("invalid Authsignal request: {reason}")]
    InvalidRequest {
        /// Which argument was wrong and why.
        reason: String,
    },

    /// The [`ClientBuilder`](crate::ClientBuilder) settings were unusable.
    #[error("invalid Authsignal client configuration: {reason}")]
    Config {
        /// Which setting was wrong and why.
        reason: String,
    },
}

impl Error {
    /// The HTTP status, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Authsignal error code (`errorCode`, else `error`) of an [`Error::Api`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed: timeouts, connection and
    /// transport failures, 408, 429 and 5xx. This is a hint for the caller; the client's own
    /// [`RetryPolicy`](crate::RetryPolicy) is stricter about non-idempotent methods.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout | Error::Connection { .. } | Error::Transport { .. } => true,
            Error::Api { status, .. } => matches!(status, 408 | 429 | 500..=599),
            Error::Decode { .. } | Error::InvalidRequest { .. } | Error::Config { .. } => false,
        }
    }

    /// Whether this is an HTTP 404 (e.g. `GET /users/{userId}/actions/{action}/{idempotencyKey}`
    /// with an unknown idempotency key).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether this is an HTTP 401: usually a wrong secret key or a key from another region.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Builds an [`Error::Api`] from a non-2xx response, whatever shape its body has.
    pub(crate) fn from_api_response(
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Self {
        let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let field = |names: &[&str]| {
            names.iter().find_map(|name| {
                json.as_ref()?
                    .get(*name)?
                    .as_str()
                    .filter(|text| !text.is_empty())
                    .map(|text| truncate_chars(text, MAX_EXCERPT_CHARS))
            })
        };
        Error::Api {
            status,
            code: field(&["errorCode", "error"]),
            description: field(&["errorDescription", "message"]),
            retry_after,
        }
    }

    /// Builds an [`Error::Decode`] without copying any secret-looking value into it.
    pub(crate) fn decode(status: u16, cause: &serde_json::Error, body: &[u8]) -> Self {
        Error::Decode {
            status,
            reason: redact_quoted(&cause.to_string()),
            excerpt: safe_excerpt(body),
        }
    }

    /// Sorts a reqwest error into timeout / connection / transport and strips its URL.
    pub(crate) fn from_transport(err: reqwest::Error) -> Self {
        if err.is_connect() {
            let host = err
                .url()
                .and_then(|url| {
                    let host = url.host_str()?;
                    Some(match url.port() {
                        Some(port) => format!("{host}:{port}"),
                        None => host.to_owned(),
                    })
                })
                .unwrap_or_else(|| "an unknown host".to_owned());
            Error::Connection {
                host,
                source: err.without_url(),
            }
        } else if err.is_timeout() {
            Error::Timeout
        } else {
            Error::Transport {
                source: err.without_url(),
            }
        }
    }
}

/// The first `max` characters of `text`, with `…` appended when cut.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Replaces every `"quoted"` run with `"…"`; serde messages quote the offending value.
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' {
            out.push_str("…\"");
            let mut escaped = false;
            for inner in chars.by_ref() {
                match inner {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
        }
    }
    truncate_chars(&out, MAX_EXCERPT_CHARS)
}

/// A loggable start of a response body: JSON keeps its shape but loses its string values;
/// anything else (HTML from a proxy, plain text) is kept with control characters flattened.
fn safe_excerpt(body: &[u8]) -> String {
    if body.is_empty() {
        return "<empty>".to_owned();
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        return truncate_chars(&redact_strings(json).to_string(), MAX_EXCERPT_CHARS);
    }
    let text = String::from_utf8_lossy(body);
    let flat: String = text
        .chars()
        .take(MAX_EXCERPT_CHARS + 1)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate_chars(&flat, MAX_EXCERPT_CHARS)
}

fn redact_strings(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(_) => Value::String("…".to_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_strings).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, redact_strings(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_quoted_values_in_serde_messages() {
        let err = serde_json::from_str::<bool>("\"eyJhbGciOi.secret\"").expect_err("not a bool");
        let reason = redact_quoted(&err.to_string());
        assert!(!reason.contains("eyJ"), "{reason}");
        assert!(reason.contains("invalid type"), "{reason}");
    }

    #[test]
    fn json_excerpt_keeps_keys_and_drops_strings() {
        let excerpt = safe_excerpt(br#"{"token":"eyJsecret","isValid":"yes","n":1}"#);
        assert!(!excerpt.contains("eyJsecret"), "{excerpt}");
        assert!(
            excerpt.contains("token") && excerpt.contains("\"n\":1"),
            "{excerpt}"
        );
    }

    #[test]
    fn excerpt_is_at_most_200_chars_plus_ellipsis() {
        let body = "<html>".repeat(100);
        let excerpt = safe_excerpt(body.as_bytes());
        assert_eq!(excerpt.chars().count(), MAX_EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate_chars("éééé", 2), "éé…");
        assert_eq!(truncate_chars("éé", 2), "éé");
    }
}
