use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session::take_form_state;
use crate::components::form_field::FormField;
use crate::components::notice::{Notice, Tone};
use crate::domain::password::MIN_CHARS;
use crate::model::session::FormName;
use crate::routes;

/// `/signup`: posts to the server, which comes back here with a message if it refuses.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let kept = Resource::new(|| (), |_| take_form_state(FormName::SignUp));
    view! {
        <Title text="Create account"/>
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.ok().flatten().unwrap_or_default();
                    view! {
                        {(!kept.error.is_empty()).then(|| view! { <Notice tone=Tone::Error message=kept.error.clone()/> })}
                        <form method="post" action=routes::SIGN_UP class="stack">
                            <FormField label="Email" name="email" kind="email" value=kept.email autocomplete="email" autofocus=true/>
                            <FormField label="Name" name="name" value=kept.name autocomplete="name"/>
                            <FormField label="Password" name="password" kind="password" autocomplete="new-password"
                                hint=format!("At least {MIN_CHARS} characters.")/>
                            <button type="submit" class="button">"Create account"</button>
                        </form>
                    }
                })}
            </Suspense>
            <p class="aside">"Already have an account? " <a href=routes::SIGN_IN>"Sign in"</a></p>
        </section>
    }
}
