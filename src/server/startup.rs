//! Builds the application (state, router, session layer) and serves it until shutdown.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::{shell, App};
use crate::routes;
use crate::server::accounts::limits::SignInLimits;
use crate::server::accounts::{devices, sign_in};
use crate::server::activity::log::SecurityEvents;
use crate::server::authsignal::clock::AuthsignalClock;
use crate::server::authsignal::round_trip;
use crate::server::config::{AuthsignalMode, PrebuiltUi, Settings};
use crate::server::sessions::store::{SessionBackend, SessionStoreError};
use crate::server::state::AppState;
use crate::server::users::UserStore;
use crate::server::web::layers::{cross_site, error_pages, headers, page_cache, require_sign_in};
use crate::server::web::request_limits;
use crate::server::web::request_limits::MAX_BODY_BYTES;
use crate::server::{db, health, mail, recovery};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "storefront_session";

/// The session cookie's name: over https `__Host-` (Secure, `Path=/`, no `Domain`), so a
/// sibling subdomain cannot plant its own session on the shop (login CSRF).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-storefront_session"
    } else {
        SESSION_COOKIE
    }
}

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
        let router = build_router(state, sessions.clone(), sandbox.map(|s| s.router()));
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

fn session_layer(
    settings: &Settings,
    store: SessionBackend,
) -> SessionManagerLayer<SessionBackend> {
    let inactivity =
        time::Duration::try_from(settings.session_inactivity).unwrap_or(time::Duration::hours(12));
    SessionManagerLayer::new(store)
        .with_name(session_cookie_name(settings.cookies_secure()))
        .with_path("/")
        .with_http_only(true)
        // Lax, not Strict: the pre-built UI returns by a cross-site top-level redirect.
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookies_secure())
        .with_expiry(Expiry::OnInactivity(inactivity))
}

/// Every route of the storefront, and the embedded sandbox (if any) under `/sandbox`, which
/// shares the outer layers (logging, body limit, headers) but not sessions or sign-in.
fn build_router(state: AppState, session_store: SessionBackend, sandbox: Option<Router>) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let sessions = session_layer(&state.settings, session_store);
    let https = state.settings.cookies_secure();
    // Every render and server function gets the state, and every page its own CSP nonce.
    let sources = headers::PageSources::for_api(
        &crate::server::authsignal::client::api_base_url(&state.settings),
        state.settings.prebuilt_ui == PrebuiltUi::Popup,
        state.settings.tenant_id.is_some(),
    );
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(crate::server::users::RequestUser::default());
            headers::provide_page_policy(&sources);
        }
    };

    let router = Router::new()
        .route(
            routes::SIGN_UP,
            post(crate::server::accounts::sign_up::sign_up),
        )
        .route(routes::SIGN_IN, post(sign_in::sign_in))
        .route(
            routes::SIGN_IN_RETURN,
            get(crate::server::accounts::two_step::sign_in_return),
        )
        .route(
            routes::ACCOUNT_RETURN,
            get(round_trip::returns::account_return),
        )
        .route(
            routes::ADD_PASSKEY_VERIFY,
            post(crate::server::authsignal::passkeys::verify_to_add),
        )
        .route(
            routes::PASSKEY_OFFER_DISMISS,
            post(sign_in::dismiss_passkey_offer),
        )
        .route(routes::SIGN_OUT, post(sign_in::sign_out))
        .route(routes::DEVICES_SIGN_OUT, post(devices::sign_out_device))
        .route(
            routes::DEVICES_SIGN_OUT_OTHERS,
            post(devices::sign_out_others),
        )
        .route(routes::FORGOT_PASSWORD, post(recovery::forgot_password))
        .route(routes::RESET_PASSWORD, post(recovery::reset_password))
        .route(
            routes::RESET_PASSWORD_RETURN,
            get(recovery::reset_password_return),
        )
        .route(routes::NOT_ME, post(recovery::not_me))
        .route(routes::HEALTHZ, get(health::healthz))
        .route(routes::READYZ, get(health::readyz))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(axum::middleware::from_fn(
            request_limits::server_fn_bad_input_is_400,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_sign_in::require_sign_in,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cross_site::refuse_cross_site_writes,
        ))
        .layer(sessions)
        // Outside the session layer: a session store outage becomes a readable page.
        .layer(axum::middleware::from_fn(
            error_pages::friendly_server_errors,
        ))
        // Outside sessions and rendering: a signed-out visitor's public page skips both.
        .layer(axum::middleware::from_fn_with_state(
            page_cache::PageCache::default(),
            page_cache::serve,
        ))
        .with_state(state.clone());
    // Server to server, signed: no session, no cookies, no cross-site check.
    let router = router.route(
        routes::AUTHSIGNAL_WEBHOOK,
        post(crate::server::authsignal::webhooks::receive).with_state(state.clone()),
    );
    let router = if state.settings.dev_mailbox() {
        router
            .route(
                routes::DEV_MAILBOX,
                get(mail::dev_mailbox::page).with_state(state.clone()),
            )
            .route(
                routes::DEV_MAILBOX_MESSAGES,
                get(mail::dev_mailbox::messages).with_state(state),
            )
    } else {
        router
    };
    let router = match sandbox {
        Some(sandbox) => router.nest("/sandbox", sandbox),
        None => router,
    };
    let router = router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    headers::apply(router, https)
        // Brotli or gzip for pages, CSS and JS, as the browser accepts.
        // Never the wasm on the fly: release builds serve it precompressed (`--precompress`), and
        // brotli on a 2 MB debug wasm per page load starved the test machine's two cores.
        .layer(CompressionLayer::new().br(true).gzip(true).compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/wasm")),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The path only: query strings can carry tokens, which never reach the logs.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
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
