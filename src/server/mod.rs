//! Server-only code: configuration, state, storage, sessions and the HTTP routes that are
//! not Leptos pages. None of it is compiled into the wasm bundle.

pub mod admin;
pub mod auth_routes;
pub mod config;
pub mod cross_site;
pub mod db;
pub mod devices;
pub mod error_pages;
pub mod form_cookie;
pub mod headers;
pub mod health;
pub mod housekeeping;
pub mod mail;
pub mod page_cache;
pub mod protect;
pub mod receipts;
pub mod recovery;
pub mod request_limits;
pub mod security;
pub mod session;
pub mod session_index;
pub mod session_store;
pub mod sign_in_limits;
pub mod site;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod users;
