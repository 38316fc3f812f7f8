//! Getting an account back: "Forgot password?", the reset link's page, and "This wasn't me".
//! Plain forms posting to the server (`crate::server::recovery`); nothing here hydrates.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::recovery::{link_usable, LinkKind};
use crate::api::session::take_form_state;
use crate::components::form_field::FormField;
use crate::components::notice::{Notice, Tone};
use crate::domain::password::MIN_CHARS;
use crate::model::session::FormName;
use crate::routes;

fn query_value(name: &'static str) -> impl Fn() -> String + Copy {
    let query = use_query_map();
    move || query.read().get(name).unwrap_or_default()
}

/// `/forgot-password`: asks for the email; the answer never says whether it has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent = query_value("sent");
    let kept = Resource::new(|| (), |_| take_form_state(FormName::ForgotPassword));
    view! {
        <Title text="Forgot password"/>
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.ok().flatten().unwrap_or_default();
                    view! {
                        {(!kept.error.is_empty()).then(|| view! { <Notice tone=Tone::Error message=kept.error.clone()/> })}
                        {(sent() == "1" && kept.error.is_empty()).then(|| view! {
                            <Notice tone=Tone::Success message="If an account uses that email, we've sent it a link to choose a new password. It works once, for 15 minutes.".to_string()/>
                        })}
                        <p class="hint">"We'll email you a link to choose a new password."</p>
                        <form method="post" action=routes::FORGOT_PASSWORD class="stack">
                            <FormField label="Email" name="email" kind="email" value=kept.email autocomplete="email" autofocus=true/>
                            <button type="submit" class="button">"Email me a reset link"</button>
                        </form>
                    }
                })}
            </Suspense>
            <p class="aside"><a href=routes::SIGN_IN>"Back to sign in"</a></p>
        </section>
    }
}

/// `/reset-password?token=…`: choose a new password (an enrolled customer then confirms it's
/// them with Authsignal before it takes effect).
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = query_value("token");
    let signed_out = query_value("signed_out");
    let usable = Resource::new(token, |token| link_usable(LinkKind::ResetPassword, token));
    let kept = Resource::new(|| (), |_| take_form_state(FormName::ResetPassword));
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.ok().flatten().unwrap_or_default();
                    if !usable.await.unwrap_or(false) {
                        return view! {
                            <Notice tone=Tone::Error message=crate::model::words::LINK_UNUSABLE.to_string()/>
                            <p><a href=routes::FORGOT_PASSWORD class="button">"Ask for a new link"</a></p>
                        }.into_any();
                    }
                    view! {
                        {(signed_out() == "1").then(|| view! {
                            <Notice tone=Tone::Success message="Your account was signed out on every device. Choose a new password to finish securing it.".to_string()/>
                        })}
                        {(!kept.error.is_empty()).then(|| view! { <Notice tone=Tone::Error message=kept.error.clone()/> })}
                        <form method="post" action=routes::RESET_PASSWORD class="stack">
                            <input type="hidden" name="token" value=token/>
                            <FormField label="New password" name="password" kind="password" autocomplete="new-password"
                                hint=format!("At least {MIN_CHARS} characters. Every device will be signed out.") autofocus=true/>
                            <button type="submit" class="button">"Set new password"</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// `/not-me?token=…`: from a receipt. Nothing happens on a GET (mail scanners open links);
/// the button does it.
#[component]
pub fn NotMePage() -> impl IntoView {
    let token = query_value("token");
    let usable = Resource::new(token, |token| link_usable(LinkKind::NotMe, token));
    view! {
        <Title text="Secure your account"/>
        <section class="card narrow">
            <h1>"Secure your account"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    if !usable.await.unwrap_or(false) {
                        return view! {
                            <Notice tone=Tone::Error message=crate::model::words::LINK_UNUSABLE.to_string()/>
                            <p><a href=routes::FORGOT_PASSWORD class="button">"Reset your password"</a></p>
                        }.into_any();
                    }
                    view! {
                        <p>"If you didn't make the change or the sign-in we emailed you about, someone else may know your password."</p>
                        <p>"This signs your account out on every device, including this one, removes an authenticator the email reported as added, and then asks you for a new password."</p>
                        <form method="post" action=routes::NOT_ME class="stack">
                            <input type="hidden" name="token" value=token/>
                            <button type="submit" class="button button-danger">"Sign out everywhere and choose a new password"</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
