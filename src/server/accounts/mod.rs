//! Customer accounts: sign-up, sign-in (password, passkey, the return from two-step), the
//! sign-in limits, and the devices a customer is signed in on.

pub mod devices;
pub mod limits;
pub mod sign_in;
pub mod sign_up;
pub mod two_step;
