use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::passkeys::passkey_sign_in_config;
use crate::api::session::take_form_state;
use crate::components::form_field::FormField;
use crate::components::notice::{Notice, Tone};
use crate::model::session::FormName;
use crate::routes;

/// `/signin?next=/path`: posts to the server, which sends the customer on to `next`. With
/// Authsignal's Web SDK configured, also passkey sign-in: the browser offers passkeys in the
/// Email field's autofill, and a "Sign in with a passkey" button (both need JavaScript; the
/// script reveals them).
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| routes::ACCOUNT.to_string())
    };
    let kept = Resource::new(|| (), |_| take_form_state(FormName::SignIn));
    let passkeys = Resource::new(|| (), |_| passkey_sign_in_config());
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.ok().flatten().unwrap_or_default();
                    let passkeys = passkeys.await.ok().flatten();
                    // `webauthn` lets the browser offer passkeys in the field's autofill.
                    let email_autocomplete = if passkeys.is_some() { "username webauthn" } else { "username" };
                    let reset = query.read().get("reset").is_some_and(|r| r == "1");
                    view! {
                        {(!kept.error.is_empty()).then(|| view! { <Notice tone=Tone::Error message=kept.error.clone()/> })}
                        {(reset && kept.error.is_empty()).then(|| view! {
                            <Notice tone=Tone::Success message="Your password was changed and every device was signed out. Sign in with your new password.".to_string()/>
                        })}
                        <form method="post" action=routes::SIGN_IN class="stack">
                            <input type="hidden" name="next" value=next/>
                            <FormField label="Email" name="email" kind="email" value=kept.email autocomplete=email_autocomplete autofocus=true/>
                            <FormField label="Password" name="password" kind="password" autocomplete="current-password"/>
                            <button type="submit" class="button">"Sign in"</button>
                        </form>
                        <p class="aside"><a href=routes::FORGOT_PASSWORD>"Forgot password?"</a></p>
                        {passkeys.map(|sdk| view! {
                            <div class="stack passkey-sign-in" id="passkey-sign-in" hidden data-tenant=sdk.tenant_id data-api=sdk.base_url>
                                <p class="aside">"or"</p>
                                <button type="button" class="button button-secondary" id="passkey-sign-in-button">"Sign in with a passkey"</button>
                                <p class="hint" id="passkey-sign-in-status" role="status" aria-live="polite"></p>
                            </div>
                            <script src=routes::WEB_SDK_SCRIPT defer></script>
                            <script src=routes::PASSKEY_SIGN_IN_SCRIPT defer></script>
                        })}
                    }
                })}
            </Suspense>
            <p class="aside">"New here? " <a href=routes::SIGN_UP>"Create an account"</a></p>
        </section>
    }
}
