//! The account page's security section: status in words, the authenticators, one primary
//! button (Enroll / Manage), removal with a confirmation step, and recent activity.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::activity_list::ActivityList;
use super::authenticator_list::AuthenticatorList;
use super::notice::{Notice, Tone};
use super::signed_in_devices::SignedInDevices;
use crate::api::security::{LaunchAuthenticatorSettings, RemoveAuthenticator};
use crate::model::custom_ui::NewMethod;
use crate::model::security::{AuthenticatorView, NoticeTone, SecurityOverview, SecurityStatus};
use crate::routes;

fn tone(t: NoticeTone) -> Tone {
    match t {
        NoticeTone::Success => Tone::Success,
        NoticeTone::Error => Tone::Error,
        NoticeTone::Info => Tone::Info,
    }
}

#[component]
pub fn SecurityPanel(
    overview: SecurityOverview,
    #[prop(into)] remove_requested: Option<String>,
) -> impl IntoView {
    let SecurityOverview {
        status,
        notice,
        activity,
        recently_verified,
        popup,
        add_passkey,
        add_in_place,
        offer_passkey,
        devices,
    } = overview;
    view! {
        <section class="card" id="security" aria-labelledby="security-heading">
            <h2 id="security-heading">"Sign-in security"</h2>
            {notice.map(|n| view! { <Notice tone=tone(n.tone) message=n.message/> })}
            {offer_passkey.then(|| view! { <PasskeyOffer/> })}
            {match status {
                SecurityStatus::Unavailable => view! { <Unavailable/> }.into_any(),
                SecurityStatus::Ready { enrolled, authenticators } => {
                    let confirming = remove_requested
                        .and_then(|id| authenticators.iter().find(|a| a.id == id).cloned());
                    let only_one = authenticators.len() <= 1;
                    view! {
                        <EnrollmentStatus enrolled=enrolled/>
                        {confirming.map(|a| view! { <ConfirmRemoval authenticator=a only_one=only_one recently_verified=recently_verified/> })}
                        <AuthenticatorList authenticators=authenticators/>
                        <div class="actions">
                        <LaunchButton enrolled=enrolled/>
                        // A plain GET form: the add-a-passkey page does the rest.
                        {add_passkey.then(|| view! {
                            <form method="get" action=routes::ADD_PASSKEY class="inline">
                                <button type="submit" class="button button-secondary">"Add a passkey"</button>
                            </form>
                        })}
                        {add_in_place.into_iter().map(|method| view! { <AddInPlace method=method/> }).collect_view()}
                        </div>
                        // Popup mode: a plain script (no wasm, nothing on the default page) takes
                        // over the button's form and says in this line what happened.
                        {popup.then(|| view! {
                            <p class="hint" id="prebuilt-ui-status" role="status" aria-live="polite"></p>
                            <script src=routes::POPUP_SCRIPT defer></script>
                        })}
                    }.into_any()
                }
            }}
        </section>
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Security activity"</h2>
            <ActivityList entries=activity/>
        </section>
        <SignedInDevices devices=devices/>
    }
}

/// "Add an authenticator app" starts at once (a new secret, shown as a QR code); the code
/// methods open their page to ask for the address. Plain forms: no JavaScript needed.
#[component]
fn AddInPlace(method: NewMethod) -> impl IntoView {
    match method {
        NewMethod::AuthenticatorApp => view! {
            <form method="post" action=routes::ADD_METHOD_STEP class="inline">
                <input type="hidden" name="method" value=method.slug()/>
                <input type="hidden" name="do" value="start"/>
                <button type="submit" class="button button-secondary">{method.title()}</button>
            </form>
        }
        .into_any(),
        _ => view! {
            <form method="get" action=method.page() class="inline">
                <button type="submit" class="button button-secondary">{method.title()}</button>
            </form>
        }
        .into_any(),
    }
}

/// One line, after a password sign-in, for a customer with no passkey; "Not now" is for good.
#[component]
fn PasskeyOffer() -> impl IntoView {
    view! {
        <div class="notice notice-info offer" role="note" aria-label="Passkey offer">
            "Sign in faster next time, without a code: " <a href=routes::ADD_PASSKEY>"add a passkey to this account"</a> ". "
            <form method="post" action=routes::PASSKEY_OFFER_DISMISS class="inline">
                <button type="submit" class="link-button">"Not now"</button>
            </form>
        </div>
    }
}

#[component]
fn EnrollmentStatus(enrolled: bool) -> impl IntoView {
    let (class, words, help) = if enrolled {
        (
            "status status-on",
            "Two-step sign-in is on",
            "You confirm it's you with one of your authenticators when you sign in.",
        )
    } else {
        (
            "status",
            "Two-step sign-in is off",
            "Add an authenticator — email, SMS or an authenticator app — to protect your account.",
        )
    };
    view! {
        <p class=class><span class="status-dot" aria-hidden="true"></span>{words}</p>
        <p class="hint">{help}</p>
    }
}

#[component]
fn Unavailable() -> impl IntoView {
    view! {
        <div class="notice notice-error" role="alert">
            <p>"Security settings are temporarily unavailable."</p>
            <p>"Your account is safe and nothing was changed. "
                <a href=routes::ACCOUNT rel="external">"Try again"</a></p>
        </div>
    }
}

/// The primary button (Enroll / Manage): a real form, so it works without JavaScript; the
/// server answers its post with a redirect to the pre-built UI, or back here with a notice. (In
/// popup mode `public/prebuilt-ui-popup.js` takes its submit before the browser does.)
#[island]
fn LaunchButton(enrolled: bool) -> impl IntoView {
    let (intent, label) = if enrolled {
        ("Manage", "Manage authenticators")
    } else {
        ("Enroll", "Enroll authenticator")
    };
    view! {
        <SubmitOnceForm action=LaunchAuthenticatorSettings::PATH field="intent" value=intent.to_string()
            label=label.to_string() class="button".to_string()/>
    }
}

/// A form that posts natively, as it does without JavaScript. Hydrated, it disables its
/// button from the first submit until the browser leaves (or 15 s pass), so a double click
/// sends one post; coming back with the Back button (the page restored from the
/// back-forward cache) enables it again.
/// Nothing else runs in the browser: a click needs no code beyond the browser's own.
#[component]
fn SubmitOnceForm(
    action: &'static str,
    field: &'static str,
    value: String,
    label: String,
    class: String,
) -> impl IntoView {
    let sent = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let restored = window_event_listener(leptos::ev::pageshow, move |_| sent.set(false));
        on_cleanup(move || restored.remove());
    }
    view! {
        <form method="post" action=action class="inline" on:submit=move |ev| {
            if sent.get_untracked() {
                ev.prevent_default();
            } else {
                sent.set(true);
                // A navigation the customer stopped (Esc) leaves the page: the button comes back.
                #[cfg(feature = "hydrate")]
                set_timeout(move || { let _ = sent.try_set(false); }, std::time::Duration::from_secs(15));
            }
        }>
            <input type="hidden" name=field value=value/>
            <button type="submit" class=class disabled=move || sent.get() aria-busy=move || sent.get().to_string()>{label}</button>
        </form>
    }
}

/// Shown for `/account?remove=ID`: explains, asks to verify first, or confirms.
#[component]
fn ConfirmRemoval(
    authenticator: AuthenticatorView,
    only_one: bool,
    recently_verified: bool,
) -> impl IntoView {
    let what = authenticator.describe();
    if only_one {
        return view! {
            <div class="notice notice-info confirm" role="status">
                <p><strong>{format!("{what} is your only authenticator.")}</strong></p>
                <p>{crate::model::words::LAST_ONE}</p>
                <a href=routes::ACCOUNT rel="external">"Back"</a>
            </div>
        }
        .into_any();
    }
    // Without a recent challenge the same button first sends the customer through one.
    let (explain, label, class) = if recently_verified {
        (
            "You won't be able to use it to confirm it's you any more.",
            "Remove authenticator",
            "button button-danger",
        )
    } else {
        ("For your security, verify it's you before removing an authenticator. You'll come back here to confirm.", "Verify it's you", "button")
    };
    view! {
        <div class="notice notice-info confirm" role="group" aria-labelledby="confirm-heading">
            <h3 id="confirm-heading">{format!("Remove {what}?")}</h3>
            <p>{explain}</p>
            <RemoveButton authenticator_id=authenticator.id label=label.to_string() class=class.to_string()/>
            " "
            <a href=routes::ACCOUNT class="button button-secondary" rel="external">"Cancel"</a>
        </div>
    }.into_any()
}

/// The confirmation's submit button: an island, like `LaunchButton`, so a double click removes once.
#[island]
fn RemoveButton(authenticator_id: String, label: String, class: String) -> impl IntoView {
    view! {
        <SubmitOnceForm action=RemoveAuthenticator::PATH field="authenticator_id" value=authenticator_id
            label=label class=class/>
    }
}
