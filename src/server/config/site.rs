//! Loads the Leptos site options from Leptos.toml (LEPTOS_* variables override them).

use leptos::config::{get_configuration, LeptosOptions};

/// Reads `LEPTOS_CONFIG` (default `Leptos.toml`); without the file, falls back to the
/// LEPTOS_* variables cargo-leptos sets.
pub fn load_site_options() -> Result<LeptosOptions, String> {
    let path = std::env::var("LEPTOS_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
    let from_file = std::path::Path::new(&path).exists();
    let conf = if from_file {
        get_configuration(Some(&path))
    } else {
        get_configuration(None)
    };
    conf.map(|c| c.leptos_options).map_err(|e| {
        format!(
            "invalid configuration: {}: {e}",
            if from_file { path.as_str() } else { "LEPTOS_*" }
        )
    })
}
