//! Customer accounts: sign-up, sign-in (password, passkey, the return from two-step), the
//! sign-in limits, the devices a customer is signed in on, and verifying the email at sign-up.

pub mod devices;
pub mod limits;
pub mod sign_in;
pub mod sign_up;
pub mod two_step;
pub mod verify_email;
