use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::passkeys::add_passkey_step;
use crate::components::notice::{Notice, Tone};
use crate::model::passkeys::AddPasskeyStep;
use crate::model::security::NoticeTone;
use crate::routes;

/// `/account/add-passkey`: adds a passkey in place with Authsignal's Web SDK (the script
/// `public/passkey-add.js` drives the ceremony). An enrolled customer without a challenge in
/// the last 10 minutes verifies first in the pre-built UI and comes back here. Without
/// JavaScript the page says to use Manage authenticators, which adds passkeys too.
#[component]
pub fn AddPasskeyPage() -> impl IntoView {
    let view_state = Resource::new(|| (), |_| add_passkey_step());
    view! {
        <Title text="Add a passkey"/>
        <section class="card narrow" aria-labelledby="add-passkey-heading">
            <h1 id="add-passkey-heading">"Add a passkey"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_state.await {
                        Ok(page) => {
                            let notice = page.notice.map(|n| {
                                let tone = match n.tone {
                                    NoticeTone::Success => Tone::Success,
                                    NoticeTone::Error => Tone::Error,
                                    NoticeTone::Info => Tone::Info,
                                };
                                view! { <Notice tone=tone message=n.message/> }
                            });
                            view! { {notice} <Step step=page.step/> }.into_any()
                        }
                        Err(e) => view! { <Notice tone=Tone::Error message=e.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
            <p class="aside"><a href=routes::ACCOUNT>"Back to your account"</a></p>
        </section>
    }
}

#[component]
fn Step(step: AddPasskeyStep) -> impl IntoView {
    match step {
        AddPasskeyStep::Unavailable => view! {
            <p>"Adding a passkey here isn't available right now. Use " <strong>"Manage authenticators"</strong> " on your account page instead."</p>
        }
        .into_any(),
        AddPasskeyStep::VerifyFirst => view! {
            <p>"For your security, verify it's you before adding a passkey. You'll come back here to create it."</p>
            <form method="post" action=routes::ADD_PASSKEY_VERIFY class="inline">
                <button type="submit" class="button">"Verify it's you"</button>
            </form>
        }
        .into_any(),
        AddPasskeyStep::Ready => view! {
            <p>"A passkey lets you sign in with your fingerprint, face or screen lock instead of a code. Your device will ask you to confirm."</p>
            <div id="add-passkey" class="stack">
                <button type="button" class="button" id="create-passkey" hidden>"Create passkey"</button>
                <p class="hint" id="add-passkey-status" role="status" aria-live="polite"></p>
                <noscript>
                    <p>"Creating a passkey here needs JavaScript. Use " <strong>"Manage authenticators"</strong> " on your account page instead."</p>
                </noscript>
            </div>
            <script src=routes::WEB_SDK_SCRIPT defer></script>
            <script src=routes::PASSKEY_ADD_SCRIPT defer></script>
        }
        .into_any(),
    }
}
