//! The account page's word on the customer's email verification
//! (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL`): a prompt while unverified, "not on yet" with
//! "Try again" while Authsignal could not be reached to enroll it, once a word that it worked.

use leptos::prelude::*;

use super::notice::{Notice, Tone};
use crate::model::verification::EmailVerification;
use crate::model::words;
use crate::routes;

#[component]
pub fn VerifyEmailPrompt(standing: EmailVerification) -> impl IntoView {
    match standing {
        EmailVerification::Unverified { .. } => view! {
            <div class="notice notice-info" role="status" aria-label="Verify your email">
                <p>{words::VERIFY_EMAIL_PROMPT}</p>
                <p><a href=routes::VERIFY_EMAIL class="button button-small">"Verify your email"</a></p>
            </div>
        }
        .into_any(),
        EmailVerification::EnrollmentPending => view! {
            <div class="notice notice-error" role="alert">
                <p>{words::TWO_STEP_NOT_ON_YET}</p>
                <form method="post" action=routes::VERIFY_EMAIL_ENROLL>
                    <button type="submit" class="button button-small">"Try again"</button>
                </form>
            </div>
        }
        .into_any(),
        EmailVerification::JustEnrolled => {
            view! { <Notice tone=Tone::Success message=words::EMAIL_VERIFIED/> }.into_any()
        }
        EmailVerification::Off | EmailVerification::Verified => ().into_any(),
    }
}
