use leptos::prelude::*;

/// How a notice should look and be announced.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Error,
    Info,
}

/// A message box; errors are announced to screen readers at once.
#[component]
pub fn Notice(tone: Tone, #[prop(into)] message: String) -> impl IntoView {
    let (class, role) = match tone {
        Tone::Success => ("notice notice-success", "status"),
        Tone::Error => ("notice notice-error", "alert"),
        Tone::Info => ("notice notice-info", "status"),
    };
    view! { <p class=class role=role>{message}</p> }
}
