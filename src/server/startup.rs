//! Builds the application (state, router, session layer) and serves it until shutdown.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use leptos::config::LeptosOptions;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::routes;
use crate::server::accounts::limits::SignInLimits;
use crate::server::activity::log::SecurityEvents;
use crate::server::authsignal::clock::AuthsignalClock;
use crate::server::config::{AuthsignalMode, Settings};
use crate::server::db;
use crate::server::sessions::store::{SessionBackend, SessionStoreError};
use crate::server::state::AppState;
use crate::server::users::UserStore;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database {0}: {1}")]
    Database(&'static str, #[source] sqlx::Error),
    #[error("could not listen: {0}")]
    Listen(#[from] std::io::Error),
    #[error("AUTHSIGNAL_SECRET_KEY / AUTHSIGNAL_API_URL: {0}")]
    Authsignal(#[from] authsignal::Error),
    #[error("embedded Authsignal sandbox: {0}")]
    Sandbox(#[from] authsignal_sandbox::SandboxError),
    #[error("session store: {0}")]
    Sessions(#[from] SessionStoreError),
    #[error("invalid configuration: {0}")]
    Mail(String),
    #[error("invalid configuration: AUTHSIGNAL_SECRET_KEY: is required when listening on {0}, which is not a loopback address: the built-in sandbox publishes every customer's one-time codes and must never face a network")]
    SandboxNotLoopback(SocketAddr),
}

/// How long in-flight requests may take to finish after SIGTERM before the process exits anyway.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// A built application, bound to its listener, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    sessions: SessionBackend,
    mailer: crate::server::mail::Mailer,
    pool: sqlx::AnyPool,
}

/// The sandbox when it runs embedded (no secret key configured). Only ever on a loopback
/// listener: the settings already refused a public base URL.
async fn embedded_sandbox(
    settings: &Settings,
    listening_on: SocketAddr,
) -> Result<Option<Arc<authsignal_sandbox::Sandbox>>, StartupError> {
    let AuthsignalMode::EmbeddedSandbox {
        secret_key,
        database_url,
        test_hooks,
    } = &settings.authsignal
    else {
        return Ok(None);
    };
    if !listening_on.ip().is_loopback() {
        return Err(StartupError::SandboxNotLoopback(listening_on));
    }
    let sandbox = authsignal_sandbox::Sandbox::start(authsignal_sandbox::SandboxConfig {
        secret_key: secret_key.expose_secret().to_string(),
        public_url: format!("{}/sandbox", settings.origin()),
        database_url: database_url.clone(),
        test_hooks: *test_hooks,
        actions: Default::default(),
    })
    .await?
    // Its webhooks come to this process, as a real tenant's would.
    .with_webhook(authsignal_sandbox::WebhookTarget::new(format!(
        "http://{listening_on}{}",
        routes::AUTHSIGNAL_WEBHOOK
    )));
    Ok(Some(Arc::new(sandbox)))
}

impl Application {
    /// Connects storage, migrates, and assembles every route.
    pub async fn build(
        settings: Settings,
        leptos_options: LeptosOptions,
        listener: TcpListener,
    ) -> Result<Application, StartupError> {
        let database_url = settings.database_url.expose_secret().to_string();
        let pool = db::connect_and_migrate(&database_url)
            .await
            .map_err(|e| StartupError::Database("DATABASE_URL", e))?;
        let sessions = SessionBackend::connect(
            &database_url,
            settings.redis_url.as_ref().map(|u| u.expose_secret()),
        )
        .await?;
        let sign_in_limits = SignInLimits::new(settings.sign_in_limits, sessions.redis());
        tracing::info!(database = ?db::Backend::of(&database_url), sessions = sessions.describe(), "storage connected");

        let authsignal = crate::server::authsignal::client::build(&settings)?;
        let sandbox = embedded_sandbox(&settings, listener.local_addr()?).await?;
        match &sandbox {
            Some(_) => {
                tracing::info!(api = %authsignal.base_url(), "mode: embedded Authsignal sandbox at /sandbox (no AUTHSIGNAL_SECRET_KEY set)")
            }
            None => tracing::info!(api = %authsignal.base_url(), "mode: real Authsignal tenant"),
        }
        let mailer = crate::server::mail::Mailer::new(pool.clone(), &settings)
            .map_err(StartupError::Mail)?;
        if !mailer.sends() && !settings.dev_mailbox() {
            tracing::warn!(
                "STOREFRONT_SMTP_URL is not set: receipts and reset links are queued but not sent"
            );
        }
        let state = AppState::from(crate::server::state::Shared {
            mailer: mailer.clone(),
            form_cookies: crate::server::web::form_cookie::FormCookies::new(&settings),
            authsignal_probe: Default::default(),
            authsignal_clock: match &sandbox {
                Some(sandbox) => AuthsignalClock::Sandbox(sandbox.clone()),
                None => AuthsignalClock::System,
            },
            leptos_options: leptos_options.clone(),
            settings: Arc::new(settings),
            users: UserStore::new(pool.clone()),
            events: SecurityEvents::new(pool.clone()),
            authsignal,
            pool,
            sessions: sessions.clone(),
            sign_in_limits,
        });
        let state_pool = state.pool.clone();
        let router =
            crate::server::router::build(state, sessions.clone(), sandbox.map(|s| s.router()));
        Ok(Application {
            listener,
            router,
            sessions,
            mailer,
            pool: state_pool,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops accepting, drains in-flight requests
    /// (for at most `DRAIN_LIMIT`) and stops the sweeper.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sweeper = self.sessions.spawn_sweeper();
        let mail_worker = self.mailer.spawn_worker();
        let housekeeping = crate::server::housekeeping::spawn(self.pool.clone());
        let (stopping, mut stop_seen) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            shutdown.await;
            let _ = stopping.send(true);
        };
        let serve = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown);
        let served = tokio::select! {
            served = serve.into_future() => served,
            _ = async {
                let _ = stop_seen.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(DRAIN_LIMIT).await;
            } => {
                tracing::warn!(limit_secs = DRAIN_LIMIT.as_secs(), "in-flight requests did not finish in time; stopping anyway");
                Ok(())
            }
        };
        if let Some(sweeper) = sweeper {
            sweeper.abort();
        }
        // Unsent mail stays queued for the next start (or another instance).
        if let Some(worker) = mail_worker {
            worker.abort();
        }
        housekeeping.abort();
        tracing::info!("stopped");
        served
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
