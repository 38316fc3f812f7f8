//! The small web kit every feature stands on: request context, form plumbing and the layers
//! around every route. It imports no feature.

pub mod error;
pub mod extract;
pub mod form_cookie;
pub mod layers;
pub mod request_context;
pub mod request_limits;
