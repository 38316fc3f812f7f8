//! `/verify-its-you`: sign-in's or a password reset's second step on the storefront's own page
//! (`STOREFRONT_CHALLENGE_UI=custom`). Plain forms posting to `routes::VERIFY_ITS_YOU_STEP`;
//! a right code ends where a return from the pre-built UI does.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::custom_ui::load_second_step;
use crate::components::code_field::CodeField;
use crate::components::notice::{Notice, Tone};
use crate::model::custom_ui::{ChallengeMethod, ChallengeStep};
use crate::model::words;
use crate::routes;

#[component]
pub fn VerifyItsYouPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| load_second_step());
    view! {
        <Title text="Verify it's you"/>
        <section class="card narrow" aria-labelledby="verify-heading">
            <h1 id="verify-heading">"Verify it's you"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let notice = page.notice.map(|n| view! { <Notice tone=n.tone.into() message=n.message/> });
                            let why = if page.for_reset {
                                "Before your new password takes effect, confirm it's you."
                            } else {
                                "Your password was right. To finish signing in, confirm it's you."
                            };
                            let pending = !matches!(page.step, ChallengeStep::NothingPending);
                            view! {
                                {notice}
                                {pending.then(|| view! { <p>{why}</p> })}
                                <Step step=page.step/>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <Notice tone=Tone::Error message=e.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A form posting one step; `action` names it.
#[component]
fn StepForm(action: &'static str, children: Children) -> impl IntoView {
    view! {
        <form method="post" action=routes::VERIFY_ITS_YOU_STEP class="stack">
            <input type="hidden" name="do" value=action/>
            {children()}
        </form>
    }
}

#[component]
fn Step(step: ChallengeStep) -> impl IntoView {
    match step {
        ChallengeStep::NothingPending => view! {
            <p>{words::SECOND_STEP_EXPIRED}</p>
            <p><a class="button" href=routes::SIGN_IN>"Sign in"</a></p>
        }
        .into_any(),
        ChallengeStep::Choose {
            options,
            other_ways,
        } => {
            let none = options.is_empty();
            view! {
                {none.then(|| view! { <p>"Continue to verify it's you with one of your authenticators."</p> })}
                <ul class="choices" aria-label="Ways to verify">
                    {options.into_iter().map(|option| view! {
                        <li>
                            <form method="post" action=routes::VERIFY_ITS_YOU_STEP>
                                <input type="hidden" name="do" value="choose"/>
                                <input type="hidden" name="method" value=option.method.slug()/>
                                <button type="submit" class="button button-secondary choice">{option.label}</button>
                            </form>
                        </li>
                    }).collect_view()}
                </ul>
                {other_ways.then(|| view! {
                    <StepForm action="other-way">
                        <button type="submit" class="button button-secondary">
                            {if none { "Continue" } else { "Use a passkey or another way" }}
                        </button>
                    </StepForm>
                })}
            }
            .into_any()
        }
        ChallengeStep::EnterCode {
            method,
            sent_to,
            resend_in,
            others,
        } => {
            let prompt = match (method, sent_to) {
                (ChallengeMethod::AuthenticatorApp, _) => {
                    "Enter the 6-digit code your authenticator app shows.".to_string()
                }
                (_, Some(to)) => format!("Enter the code we sent to {to}."),
                (_, None) => "Enter the code we sent you.".to_string(),
            };
            let sends = method != ChallengeMethod::AuthenticatorApp;
            view! {
                <p>{prompt}</p>
                <StepForm action="verify">
                    <CodeField/>
                    <button type="submit" class="button">"Verify"</button>
                </StepForm>
                <div class="row">
                    {sends.then(|| view! {
                        <StepForm action="resend">
                            <button type="submit" class="button button-secondary">"Send a new code"</button>
                            {(resend_in > 0).then(|| view! { <p class="hint">{words::resend_wait(resend_in)}</p> })}
                        </StepForm>
                    })}
                    {others.then(|| view! {
                        <StepForm action="back">
                            <button type="submit" class="button button-secondary">"Try another way"</button>
                        </StepForm>
                    })}
                </div>
            }
            .into_any()
        }
    }
}
