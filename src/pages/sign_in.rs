use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::session::take_form_state;
use crate::components::form_field::FormField;
use crate::components::notice::{Notice, Tone};
use crate::model::session::FormName;
use crate::routes;

/// `/signin?next=/path`: posts to the server, which sends the customer on to `next`.
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
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.ok().flatten().unwrap_or_default();
                    view! {
                        {(!kept.error.is_empty()).then(|| view! { <Notice tone=Tone::Error message=kept.error.clone()/> })}
                        <form method="post" action=routes::SIGN_IN class="stack">
                            <input type="hidden" name="next" value=next/>
                            <FormField label="Email" name="email" kind="email" value=kept.email autocomplete="username" autofocus=true/>
                            <FormField label="Password" name="password" kind="password" autocomplete="current-password"/>
                            <button type="submit" class="button">"Sign in"</button>
                        </form>
                    }
                })}
            </Suspense>
            <p class="aside">"New here? " <a href=routes::SIGN_UP>"Create an account"</a></p>
        </section>
    }
}
