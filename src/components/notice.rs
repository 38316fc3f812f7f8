use leptos::prelude::*;

/// How a notice should look and be announced.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Error,
    Info,
}

impl From<crate::model::security::NoticeTone> for Tone {
    fn from(tone: crate::model::security::NoticeTone) -> Tone {
        use crate::model::security::NoticeTone;
        match tone {
            NoticeTone::Success => Tone::Success,
            NoticeTone::Error => Tone::Error,
            NoticeTone::Info => Tone::Info,
        }
    }
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
