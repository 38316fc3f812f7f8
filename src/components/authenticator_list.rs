use leptos::prelude::*;

use crate::model::security::AuthenticatorView;
use crate::routes;

/// The customer's authenticators: method in words, what it is for, added, last used, default.
#[component]
pub fn AuthenticatorList(authenticators: Vec<AuthenticatorView>) -> impl IntoView {
    if authenticators.is_empty() {
        return view! { <p class="empty">"No authenticators yet."</p> }.into_any();
    }
    let removable = authenticators.len() > 1;
    view! {
        <ul class="authenticators" aria-label="Your authenticators">
            {authenticators.into_iter().map(|a| {
                let label = format!("Remove {}", a.describe());
                let href = format!("{}?remove={}#security", routes::ACCOUNT, urlencode(&a.id));
                view! {
                    <li class="authenticator">
                        <div>
                            <p class="method">
                                {a.icon.clone().map(|src| view! { <img class="method-icon" src=src alt="" width="20" height="20"/> })}
                                {a.method.clone()}
                                {a.is_default.then(|| view! { <span class="badge">"Default"</span> })}
                            </p>
                            {a.detail.clone().map(|d| view! { <p class="detail">{d}</p> })}
                            <p class="meta">
                                {format!("Added {}", a.added)}
                                {a.last_used.clone().map(|d| format!(" · Last used {d}")).unwrap_or_else(|| " · Not used yet".into())}
                            </p>
                        </div>
                        // A full load: the section re-reads Authsignal before confirming anything.
                        {removable.then(|| view! { <a class="button button-secondary button-small" href=href aria-label=label rel="external">"Remove"</a> })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {(!removable).then(|| view! { <p class="hint">"To remove this authenticator, add another one first, so you can't be locked out."</p> })}
    }.into_any()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
