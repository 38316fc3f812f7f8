//! The verify-email page's and the account page's server function: where the signed-in
//! customer's email verification stands (a verified email still to enroll is enrolled now).

use leptos::prelude::*;

use crate::model::verification::EmailVerification;
use crate::model::AppError;

#[server(endpoint = "load_email_verification")]
pub async fn load_email_verification() -> Result<EmailVerification, AppError> {
    crate::server::accounts::verify_email::load().await
}
