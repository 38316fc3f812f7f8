//! "Signed-in devices": the customer's sessions, this one marked, with a plain form per other
//! device and one for all of them (no JavaScript needed, nothing hydrated).

use leptos::prelude::*;

use crate::model::security::DeviceView;
use crate::routes;

#[component]
pub fn SignedInDevices(devices: Vec<DeviceView>) -> impl IntoView {
    let others = devices.iter().filter(|d| !d.current).count();
    view! {
        <section class="card" id="devices" aria-labelledby="devices-heading">
            <h2 id="devices-heading">"Signed-in devices"</h2>
            <ul class="devices">
                {devices.into_iter().map(|device| view! { <Device device=device/> }).collect_view()}
            </ul>
            {(others > 0).then(|| view! {
                <form method="post" action=routes::DEVICES_SIGN_OUT_OTHERS>
                    <button type="submit" class="button button-secondary">"Sign out everywhere else"</button>
                </form>
            })}
            {(others == 0).then(|| view! { <p class="hint">"This is the only device signed in to your account."</p> })}
        </section>
    }
}

#[component]
fn Device(device: DeviceView) -> impl IntoView {
    let DeviceView {
        handle,
        browser,
        network,
        signed_in,
        last_active,
        current,
    } = device;
    // The button's name stays "Sign out"; which device it is for is its description.
    let name_id = format!("device-{handle}");
    view! {
        <li class="device">
            <div>
                <strong id=name_id.clone()>{browser}</strong>
                {current.then(|| view! { " " <span class="badge">"This device"</span> })}
                <p class="hint">
                    {format!("Signed in on {signed_in} from {network}")}
                    <br/>
                    {if current { "Active now".to_string() } else { format!("Last active {last_active}") }}
                </p>
            </div>
            {(!current).then(|| view! {
                <form method="post" action=routes::DEVICES_SIGN_OUT class="inline">
                    <input type="hidden" name="device" value=handle/>
                    <button type="submit" class="button button-secondary" aria-describedby=name_id>"Sign out"</button>
                </form>
            })}
        </li>
    }
}
