//! The middleware around the storefront's routes, outermost last in `startup::build_router`.

pub mod cross_site;
pub mod error_pages;
pub mod headers;
pub mod page_cache;
pub mod require_sign_in;
