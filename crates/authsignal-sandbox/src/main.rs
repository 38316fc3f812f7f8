//! `authsignal-sandbox`: the sandbox as a standalone server.

use std::net::SocketAddr;
use std::process::ExitCode;

use authsignal_sandbox::{Sandbox, SandboxConfig};
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
    /// Where browsers reach the sandbox (default: http://{addr}).
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// Turn on fault injection (/_faults) and the test clock hook (/_test/clock).
    #[arg(long, env = "AUTHSIGNAL_SANDBOX_FAULTS", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    enable_faults: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
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
    let public_url = cli
        .public_url
        .unwrap_or_else(|| format!("http://{}", cli.addr));
    let sandbox = Sandbox::start(SandboxConfig {
        secret_key: cli.secret_key,
        public_url: public_url.clone(),
        database_url: cli.database_url.clone(),
        test_hooks: cli.enable_faults,
    })
    .await
    .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(cli.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
    tracing::info!(
        addr = %cli.addr,
        api = %format!("{public_url}/v1"),
        outbox = %format!("{public_url}/outbox"),
        database = %cli.database_url,
        faults = cli.enable_faults,
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
