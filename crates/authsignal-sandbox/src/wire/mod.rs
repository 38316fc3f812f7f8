//! The wire kit every surface shares (Server API, Client API, pre-built UI, outbox, test
//! hooks): JSON in and out, Authsignal's error shape, and authenticators as the APIs show
//! them.

mod authenticator;
mod response;

pub(crate) use authenticator::{masked, AuthenticatorJson};
pub(crate) use response::{json, json_bytes, ApiError, ApiJson, ApiPath, ApiResult};
