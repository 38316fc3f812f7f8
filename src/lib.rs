//! The storefront: a Leptos app whose account page manages Authsignal authenticators.
//! This file holds only the hydrate entry; everything else lives in the modules below.

#[cfg(feature = "ssr")]
pub mod admin;
pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod model;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Islands: the page is server-rendered HTML; only `#[island]` components hydrate, which
    // the loader script does right after this returns, in the same task.
    leptos::mount::hydrate_islands();
    // Marks the page interactive: end-to-end tests wait for it before clicking.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
