//! UI pieces shared by several pages.

pub mod activity_list;
pub mod authenticator_list;
pub mod code_field;
pub mod form_field;
pub mod header;
pub mod notice;
pub mod security_panel;
pub mod signed_in;
pub mod signed_in_devices;
pub mod verify_email_prompt;
