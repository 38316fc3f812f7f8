use leptos::prelude::*;

use crate::model::security::ActivityEntry;

/// The last security events, newest first.
#[component]
pub fn ActivityList(entries: Vec<ActivityEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"Nothing yet. Changes to your sign-in security will show here."</p> }.into_any();
    }
    view! {
        <ul class="activity">
            {entries.into_iter().map(|e| view! {
                <li><span>{e.what}</span><span class="when">{e.when}</span></li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
