//! Sessions: the typed session handlers take, the store (SQLite, Postgres or Redis) and the
//! index of which sessions belong to whom. It knows no feature: each declares its own keys.

pub mod index;
pub mod store;
mod typed;

pub use typed::*;
