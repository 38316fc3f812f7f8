//! Structured logs: `RUST_LOG` filters, one span per request (see router.rs), and the crates
//! that would write personal data at debug level held to `info` whatever `RUST_LOG` says.

use tracing_subscriber::{fmt, EnvFilter};

/// Crates that log user names and credential details at debug and trace level.
const PERSONAL_DATA_AT_DEBUG: [&str; 3] = ["webauthn_rs", "webauthn_rs_core", "webauthn_rs_proto"];

/// `RUST_LOG` (or `default`), with the crates above capped at `info`.
pub fn filter(default: &str) -> EnvFilter {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    PERSONAL_DATA_AT_DEBUG
        .iter()
        .fold(filter, |filter, target| {
            match format!("{target}=info").parse() {
                Ok(directive) => filter.add_directive(directive),
                Err(_) => filter,
            }
        })
}

pub fn init() {
    let filter = filter("info,sqlx=warn,tower_sessions=warn");
    // Ignore the error a second init (tests) would give.
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn user_names_never_reach_the_log_even_at_trace() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(super::filter("trace"))
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "webauthn_rs_core::core", "user_name ada@example.com");
            tracing::trace!(target: "webauthn_rs", "user_display_name Ada");
            tracing::debug!(target: "storefront::server", "our own debug line");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("our own debug line"), "{text}");
        assert!(
            !text.contains("ada@example.com") && !text.contains("Ada"),
            "{text}"
        );
    }
}
