#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod client;
mod client_api;
mod error;
mod path;
mod retry;
pub mod types;
pub mod webhook;

pub use client::{
    Client, ClientBuilder, Region, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, USER_AGENT,
};
pub use client_api::{
    ClientApi, ClientChallengeResponse, ClientEnrollResponse, ClientVerifyResponse,
    EnrollTotpResponse,
};
pub use error::{Error, Result};
pub use retry::RetryPolicy;
pub use types::*;
