//! `/verify-email`: the code sign-up mailed (`STOREFRONT_SIGN_UP_VERIFIES_EMAIL`). Plain forms
//! posting to the server (`crate::server::accounts::verify_email`); nothing here hydrates.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::session::take_form_state;
use crate::api::verification::load_email_verification;
use crate::components::form_field::FormField;
use crate::components::notice::{Notice, Tone};
use crate::model::session::FormName;
use crate::model::verification::EmailVerification;
use crate::model::words;
use crate::model::AppError;
use crate::routes;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.read().get("sent").unwrap_or_default();
    let standing = Resource::new(|| (), |_| load_email_verification());
    let kept = Resource::new(|| (), |_| take_form_state(FormName::VerifyEmail));
    view! {
        <Title text="Verify your email"/>
        <section class="card narrow">
            <h1>"Verify your email"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.ok().flatten().unwrap_or_default();
                    let error = (!kept.error.is_empty())
                        .then(|| view! { <Notice tone=Tone::Error message=kept.error.clone()/> });
                    match standing.await {
                        Ok(EmailVerification::Unverified { email, resend_in }) => {
                            let sent_notice = match (kept.error.is_empty(), sent().as_str()) {
                                (true, "signup") => Some(words::CODE_SENT_AT_SIGN_UP),
                                (true, "1") => Some(words::CODE_SENT),
                                _ => None,
                            };
                            let wait_hint = if resend_in > 0 {
                                format!("Didn't get it? You can ask for a new code in {resend_in} seconds.")
                            } else {
                                "Didn't get it? Check your spam folder, or ask for a new code.".to_string()
                            };
                            view! {
                                {error}
                                {sent_notice.map(|m| view! { <Notice tone=Tone::Success message=m/> })}
                                <p>"We emailed a 6-digit code to " <strong>{email}</strong> "."</p>
                                <form method="post" action=routes::VERIFY_EMAIL class="stack">
                                    <FormField label="Verification code" name="code" autocomplete="one-time-code" autofocus=true
                                        hint="It works once, for 15 minutes."/>
                                    <button type="submit" class="button">"Verify"</button>
                                </form>
                                <form method="post" action=routes::VERIFY_EMAIL_RESEND class="stack resend">
                                    <p class="hint">{wait_hint}</p>
                                    <button type="submit" class="button button-secondary">"Send a new code"</button>
                                </form>
                                <p class="aside">"You can keep shopping and verify later from "
                                    <a href=routes::ACCOUNT>"your account"</a>"."</p>
                            }.into_any()
                        }
                        Ok(EmailVerification::Off) => view! { <Redirect path=routes::ACCOUNT/> }.into_any(),
                        Ok(_) => view! {
                            {error}
                            <Notice tone=Tone::Success message=words::EMAIL_VERIFIED_ALREADY/>
                            <p><a href=routes::ACCOUNT class="button">"Go to your account"</a></p>
                        }.into_any(),
                        Err(AppError::NotSignedIn) => view! { <Redirect path=routes::sign_in_then(routes::ACCOUNT)/> }.into_any(),
                        Err(e) => view! { <Notice tone=Tone::Error message=e.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
