use leptos::prelude::*;

/// A labelled input; the label text is the field's accessible name.
#[component]
pub fn FormField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, default = String::new())] value: String,
    #[prop(into, default = String::new())] autocomplete: String,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(default = false)] autofocus: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let described_by = hint.as_ref().map(|_| hint_id.clone());
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                aria-describedby=described_by
                autofocus=autofocus
                required
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
        </div>
    }
}
