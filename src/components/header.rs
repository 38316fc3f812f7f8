use leptos::prelude::*;

use super::signed_in::SignedIn;
use crate::routes;

/// Brand and the account links: Sign in when signed out; Account and Sign out when signed in.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let SignedIn(user) = SignedIn::use_context();
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Northwind Supply"</a>
            <nav aria-label="Account">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(customer)) => view! {
                                <span class="greeting">"Hi, " {customer.name}</span>
                                <a href=routes::ACCOUNT>"Account"</a>
                                <form method="post" action=routes::SIGN_OUT class="inline">
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </form>
                            }.into_any(),
                            _ => view! {
                                <a href=routes::SIGN_IN>"Sign in"</a>
                                <a class="button button-small" href=routes::SIGN_UP>"Create account"</a>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}
