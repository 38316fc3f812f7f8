//! The short-lived challenge token, kept out of `Debug` output and logs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A short-lived JWT issued by `POST /users/{userId}/actions/{action}` (track) and handed back
/// on the redirect as `?token=`, to be checked with `POST /validate`.
///
/// Serialized as a plain JSON string. `Debug` prints `ChallengeToken(<redacted>)` so a token
/// never ends up in logs by accident; read it with [`ChallengeToken::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChallengeToken(String);

impl ChallengeToken {
    /// Wraps a token string (e.g. the `token` query parameter of the redirect back).
    pub fn new(token: impl Into<String>) -> Self {
        ChallengeToken(token.into())
    }

    /// The token itself, for passing to a client SDK or building a URL.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty (e.g. missing from a malformed response).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ChallengeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChallengeToken(<redacted>)")
    }
}

impl From<String> for ChallengeToken {
    fn from(token: String) -> Self {
        ChallengeToken(token)
    }
}

impl From<&str> for ChallengeToken {
    fn from(token: &str) -> Self {
        ChallengeToken(token.to_owned())
    }
}
