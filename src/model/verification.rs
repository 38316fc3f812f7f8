//! Where the customer's email verification stands (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL`), as
//! the verify page and the account page show it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailVerification {
    /// The setting is off: nothing to show.
    Off,
    /// A code was (or can be) mailed to `email`; a new one can be asked for in `resend_in` seconds.
    Unverified { email: String, resend_in: i64 },
    /// Verified, but Authsignal could not be reached to turn two-step sign-in on: retried on
    /// the next visit of the account page, or with "Try again".
    EnrollmentPending,
    /// Verified and enrolled on this very visit: said once.
    JustEnrolled,
    /// Verified and enrolled.
    Verified,
}
