//! UI pieces shared by several pages.

pub mod form_field;
pub mod header;
pub mod notice;
pub mod signed_in;
