use leptos::prelude::*;

/// The one-time code input: labelled "Verification code", digits on phone keyboards, and the
/// browser may fill in a code it received by SMS.
#[component]
pub fn CodeField() -> impl IntoView {
    view! {
        <div class="field">
            <label for="field-code">"Verification code"</label>
            <input
                id="field-code"
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength="12"
                autofocus
                required
            />
        </div>
    }
}
