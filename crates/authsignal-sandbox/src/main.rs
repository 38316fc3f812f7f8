//! `authsignal-sandbox`: the sandbox as a standalone server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use authsignal_sandbox::{ActionsConfig, Sandbox, SandboxConfig, WebhookTarget, DEFAULT_TENANT_ID};
use clap::Parser;
use tokio::net::TcpListener;

/// An offline, Authsignal-compatible Server API, pre-built UI and dev outbox.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(
        long,
        env = "AUTHSIGNAL_SANDBOX_ADDR",
        default_value = "127.0.0.1:7700"
    )]
    addr: SocketAddr,
    /// The tenant secret key API clients must present (Basic auth username).
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// The sandbox's own SQLite database.
    #[arg(
        long,
        env = "AUTHSIGNAL_SANDBOX_DATABASE_URL",
        default_value = "sqlite://data/sandbox.db?mode=rwc"
    )]
    database_url: String,
    /// The tenant id the Client API accepts from the Web SDK (`new Authsignal({ tenantId })`)
    /// for usernameless passkey sign-in.
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_TENANT_ID", default_value = DEFAULT_TENANT_ID)]
    tenant_id: String,
    /// Where browsers reach the sandbox (default: http://{addr}).
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// A JSON file of per-action outcomes: {"default": {"defaultOutcome": "ALLOW",
    /// "challengeWhenEnrolled": true}, "actions": {"signIn": {"defaultOutcome": "CHALLENGE"}}}.
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_ACTIONS_CONFIG")]
    actions_config: Option<PathBuf>,
    /// Where to POST Authsignal's authenticator webhook events (authenticator.created /
    /// .updated / .deleted), signed with the secret key in X-Signature-V2.
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Turn on the test hooks: fault injection (/_faults), the clock (/_test/clock), call
    /// counts (/_test/stats), per-action outcomes (/_test/actions) and webhook deliveries
    /// (/_test/webhooks).
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_FAULTS", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    enable_faults: bool,
    /// Listen on an address other than loopback (127.0.0.0/8, ::1). Anyone who can reach it
    /// can read every one-time code in the dev outbox.
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_ALLOW_NON_LOOPBACK", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    allow_non_loopback: bool,
}

/// Whether only this machine can reach `addr` (IPv4-mapped loopback counts).
fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().to_canonical().is_loopback()
}

/// What listening on `addr` hands to everyone who can reach it.
fn exposure(addr: SocketAddr, test_hooks: bool) -> String {
    let hooks = if test_hooks {
        ", and anyone at all can inject faults and move the clock (test hooks are on)"
    } else {
        ""
    };
    format!(
        "{addr} is not a loopback address: anyone who can reach it can read every customer's one-time codes in the dev outbox (/outbox), and anyone with the secret key can mark actions succeeded and delete authenticators{hooks}"
    )
}

/// Refuses a non-loopback address unless asked for explicitly, then warns loudly.
fn check_exposure(cli: &Cli) -> Result<(), String> {
    if is_loopback(cli.addr) {
        return Ok(());
    }
    let exposure = exposure(cli.addr, cli.enable_faults);
    if !cli.allow_non_loopback {
        return Err(format!(
            "refusing to listen: {exposure}. Use a 127.0.0.1 or [::1] address, or pass --allow-non-loopback (AUTHSIGNAL_SANDBOX_ALLOW_NON_LOOPBACK=1) if you really mean it."
        ));
    }
    tracing::warn!("LISTENING BEYOND THIS MACHINE (--allow-non-loopback): {exposure}. Never use real customer data.");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // webauthn-rs writes user names at debug level: held to info whatever RUST_LOG says.
    let filter = ["webauthn_rs", "webauthn_rs_core", "webauthn_rs_proto"]
        .iter()
        .filter_map(|target| format!("{target}=info").parse().ok())
        .fold(filter, |filter, directive| filter.add_directive(directive));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("authsignal-sandbox: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    check_exposure(&cli)?;
    if cli.tenant_id.trim().is_empty() {
        return Err("--tenant-id (AUTHSIGNAL_SANDBOX_TENANT_ID) must not be empty".to_owned());
    }
    // Before listening or touching the database: a bad file is a typo to fix, not a default.
    let actions = match &cli.actions_config {
        Some(path) => ActionsConfig::from_file(path)?,
        None => ActionsConfig::default(),
    };
    let webhook = cli.webhook_url.clone().map(WebhookTarget::new);
    if let Some(target) = &webhook {
        target
            .validate()
            .map_err(|e| format!("--webhook-url (AUTHSIGNAL_SANDBOX_WEBHOOK_URL): {e}"))?;
    }
    let listener = TcpListener::bind(cli.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
    // The bound address, which differs from --addr for port 0.
    let addr = listener.local_addr().unwrap_or(cli.addr);
    let public_url = cli.public_url.unwrap_or_else(|| format!("http://{addr}"));
    let sandbox = Sandbox::start(SandboxConfig {
        secret_key: cli.secret_key,
        public_url: public_url.clone(),
        database_url: cli.database_url.clone(),
        test_hooks: cli.enable_faults,
        actions,
    })
    .await
    .map_err(|e| e.to_string())?
    .with_tenant_id(cli.tenant_id.clone());
    let sandbox = match webhook {
        Some(target) => sandbox.with_webhook(target),
        None => sandbox,
    };
    tracing::info!(
        %addr,
        api = %format!("{public_url}/v1"),
        outbox = %format!("{public_url}/outbox"),
        tenant_id = %cli.tenant_id,
        database = %cli.database_url,
        faults = cli.enable_faults,
        webhook = cli.webhook_url.as_deref().unwrap_or("none"),
        "authsignal sandbox listening"
    );
    axum::serve(listener, sandbox.router())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_count_as_loopback() {
        for local in [
            "127.0.0.1:7700",
            "127.8.9.10:1",
            "[::1]:7700",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_loopback(local.parse().expect("addr")), "{local}");
        }
        for exposed in [
            "0.0.0.0:7700",
            "192.168.1.2:7700",
            "[::]:7700",
            "[fe80::1]:1",
        ] {
            assert!(!is_loopback(exposed.parse().expect("addr")), "{exposed}");
        }
    }
}
