use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::security::load_security;
use crate::api::verification::load_email_verification;
use crate::components::notice::{Notice, Tone};
use crate::components::security_panel::SecurityPanel;
use crate::components::signed_in::SignedIn;
use crate::components::verify_email_prompt::VerifyEmailPrompt;
use crate::model::AppError;
use crate::routes;

/// `/account`: the customer's details and sign-in security. Signed-out visitors are sent to
/// sign in (by the server on a full load, by this page on client-side navigation).
#[component]
pub fn AccountPage() -> impl IntoView {
    let SignedIn(user) = SignedIn::use_context();
    // Loaded on the server and serialised into the page: hydration does not call Authsignal again.
    // The email verification first: a verified email still to enroll is enrolled by it, and
    // the security section must then see the new authenticator.
    let security = Resource::new(
        || (),
        |_| async { (load_email_verification().await, load_security().await) },
    );
    let query = use_query_map();
    view! {
        <Title text="Account settings"/>
        <Suspense fallback=|| view! { <p>"Loading your account…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(customer)) => view! {
                        <h1>"Account settings"</h1>
                        <section class="card" aria-labelledby="profile-heading">
                            <h2 id="profile-heading">"Profile"</h2>
                            <dl class="details">
                                <dt>"Name"</dt><dd>{customer.name}</dd>
                                <dt>"Email"</dt><dd>{customer.email}</dd>
                            </dl>
                        </section>
                        <Suspense fallback=|| view! { <p>"Loading sign-in security…"</p> }>
                            {move || Suspend::new(async move {
                                let remove_requested = query.read().get("remove");
                                let (standing, security) = security.await;
                                let prompt = standing.ok().map(|standing| view! { <VerifyEmailPrompt standing=standing/> });
                                match security {
                                    Ok(overview) => view! { {prompt} <SecurityPanel overview=overview remove_requested=remove_requested/> }.into_any(),
                                    Err(AppError::NotSignedIn) => view! { <Redirect path=routes::sign_in_then(routes::ACCOUNT)/> }.into_any(),
                                    Err(e) => view! { <Notice tone=Tone::Error message=e.to_string()/> }.into_any(),
                                }
                            })}
                        </Suspense>
                    }.into_any(),
                    Ok(None) => view! { <Redirect path=routes::sign_in_then(routes::ACCOUNT)/> }.into_any(),
                    Err(e) => view! { <Notice tone=Tone::Error message=e.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
