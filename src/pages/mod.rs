//! One module per page.

pub mod account;
pub mod add_method;
pub mod add_passkey;
pub mod home;
pub mod not_found;
pub mod recovery;
pub mod sign_in;
pub mod sign_up;
pub mod verify_email;
pub mod verify_its_you;
