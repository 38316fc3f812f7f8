//! The add pages of the custom-UI path: an authenticator app (QR code and secret key), email
//! codes and text-message codes. Plain forms posting to `routes::ADD_METHOD_STEP`, answered
//! with a 303 back here or to the account page: the same with JavaScript on or off.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::custom_ui::load_add_method;
use crate::components::code_field::CodeField;
use crate::components::form_field::FormField;
use crate::components::notice::{Notice, Tone};
use crate::model::custom_ui::{AddMethodStep, NewMethod};
use crate::model::words;
use crate::routes;

/// `/account/add-authenticator-app`, `/account/add-email-codes`, `/account/add-text-message-codes`.
#[component]
pub fn AddMethodPage(method: NewMethod) -> impl IntoView {
    let page = Resource::new(move || method, load_add_method);
    view! {
        <Title text=method.title()/>
        <section class="card narrow" aria-labelledby="add-method-heading">
            <h1 id="add-method-heading">{method.title()}</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let notice = page.notice.map(|n| view! { <Notice tone=n.tone.into() message=n.message/> });
                            view! { {notice} <Step method=method step=page.step/> }.into_any()
                        }
                        Err(e) => view! { <Notice tone=Tone::Error message=e.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
            <p class="aside"><a href=routes::ACCOUNT>"Back to your account"</a></p>
        </section>
    }
}

/// A form posting one step of `method`'s flow; `action` names the step.
#[component]
fn StepForm(method: NewMethod, action: &'static str, children: Children) -> impl IntoView {
    view! {
        <form method="post" action=routes::ADD_METHOD_STEP class="stack">
            <input type="hidden" name="method" value=method.slug()/>
            <input type="hidden" name="do" value=action/>
            {children()}
        </form>
    }
}

#[component]
fn Step(method: NewMethod, step: AddMethodStep) -> impl IntoView {
    match step {
        AddMethodStep::Unavailable => view! {
            <p>{words::UNAVAILABLE_TO_CHANGE}</p>
            <p><a href=method.page()>"Try again"</a></p>
        }
        .into_any(),
        AddMethodStep::VerifyFirst => view! {
            <p>{words::verify_before_adding(method.words())} " You'll come back here to finish."</p>
            <StepForm method=method action="verify-first">
                <button type="submit" class="button">"Verify it's you"</button>
            </StepForm>
        }
        .into_any(),
        AddMethodStep::Start => view! { <Start method=method/> }.into_any(),
        AddMethodStep::ScanCode { qr_code, secret } => view! {
            <ol class="steps">
                <li>
                    "Scan this QR code with your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …)."
                    <img class="qr-code" src=qr_code alt="QR code for your authenticator app" width="200" height="200"/>
                </li>
                <li>
                    "Can't scan it? Enter this secret key in the app instead:"
                    <code class="secret" aria-label="Secret key">{secret}</code>
                </li>
                <li>"Enter the 6-digit code the app shows."</li>
            </ol>
            <StepForm method=method action="verify">
                <CodeField/>
                <button type="submit" class="button">"Verify"</button>
            </StepForm>
            <StepForm method=method action="restart">
                <button type="submit" class="button button-secondary">"Cancel"</button>
            </StepForm>
        }
        .into_any(),
        AddMethodStep::EnterCode { sent_to, resend_in } => {
            let different = match method {
                NewMethod::Sms => "Use a different number",
                _ => "Use a different address",
            };
            view! {
                <p>"Enter the code we sent to " <strong>{sent_to}</strong> "."</p>
                <StepForm method=method action="verify">
                    <CodeField/>
                    <button type="submit" class="button">"Verify"</button>
                </StepForm>
                <div class="row">
                    <StepForm method=method action="resend">
                        <button type="submit" class="button button-secondary">"Send a new code"</button>
                        {(resend_in > 0).then(|| view! { <p class="hint">{words::resend_wait(resend_in)}</p> })}
                    </StepForm>
                    <StepForm method=method action="restart">
                        <button type="submit" class="button button-secondary">{different}</button>
                    </StepForm>
                </div>
            }
            .into_any()
        }
    }
}

/// Where each method starts: the app's "Set up" button, or the address to send a code to.
#[component]
fn Start(method: NewMethod) -> impl IntoView {
    match method {
        NewMethod::AuthenticatorApp => view! {
            <p>"An authenticator app on your phone shows a new 6-digit code every 30 seconds, even offline. You'll scan a QR code with it."</p>
            <StepForm method=method action="start">
                <button type="submit" class="button">"Set up authenticator app"</button>
            </StepForm>
        }
        .into_any(),
        NewMethod::EmailOtp => view! {
            <p>"We'll email you a 6-digit code when you sign in."</p>
            <StepForm method=method action="send">
                <FormField label="Email address" name="address" kind="email" autocomplete="email" autofocus=true/>
                <button type="submit" class="button">"Send code"</button>
            </StepForm>
        }
        .into_any(),
        NewMethod::Sms => view! {
            <p>"We'll text you a 6-digit code when you sign in."</p>
            <StepForm method=method action="send">
                <FormField label="Phone number" name="address" kind="tel" autocomplete="tel" hint="With your country code, like +14155550123." autofocus=true/>
                <button type="submit" class="button">"Send code"</button>
            </StepForm>
        }
        .into_any(),
    }
}
