//! Domain types that parse: once built, a value is known to be valid.

mod display_name;
#[cfg(feature = "ssr")]
mod email;
pub mod password;
#[cfg(feature = "ssr")]
mod phone_number;

pub use display_name::DisplayName;
#[cfg(feature = "ssr")]
pub use email::Email;
pub use password::Password;
#[cfg(feature = "ssr")]
pub use phone_number::PhoneNumber;
