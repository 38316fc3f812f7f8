use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function can report to the browser. Every `Display` text is fit to show a
/// customer; causes are logged on the server and never serialised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("Security settings are temporarily unavailable. Please try again in a moment.")]
    SecurityUnavailable,
    #[error("{0}")]
    Rejected(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("We couldn't reach the shop. Check your connection and try again.")]
    Transport,
    /// The request itself was malformed (arguments missing or unreadable): answered with 400.
    #[error("That request could not be read. Please reload the page and try again.")]
    BadRequest,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Transport,
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
            _ => AppError::Internal,
        }
    }
}
