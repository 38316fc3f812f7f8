//! Builds the application (state, router, session layer) and serves it until shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use axum::http::{header, HeaderValue};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use super::config::{AuthsignalMode, Settings};
use super::security::{self, events::SecurityEvents};
use super::state::AppState;
use super::users::UserStore;
use super::{auth_routes, cross_site, db, protect};
use crate::app::{shell, App};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "storefront_session";

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
}

/// A built application, bound to its listener, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    session_store: SqliteStore,
}

/// The sandbox's router when it runs embedded (no secret key configured).
async fn embedded_sandbox(settings: &Settings) -> Result<Option<Router>, StartupError> {
    let AuthsignalMode::EmbeddedSandbox { secret_key, database_url, test_hooks } = &settings.authsignal else {
        return Ok(None);
    };
    use secrecy::ExposeSecret;
    let sandbox = authsignal_sandbox::Sandbox::start(authsignal_sandbox::SandboxConfig {
        secret_key: secret_key.expose_secret().to_string(),
        public_url: format!("{}/sandbox", settings.origin()),
        database_url: database_url.clone(),
        test_hooks: *test_hooks,
    })
    .await?;
    Ok(Some(sandbox.router()))
}

impl Application {
    /// Connects storage, migrates, and assembles every route.
    pub async fn build(settings: Settings, leptos_options: LeptosOptions, listener: TcpListener) -> Result<Application, StartupError> {
        let pool = db::connect_and_migrate(&settings.database_url)
            .await
            .map_err(|e| StartupError::Database("DATABASE_URL", e))?;
        let session_store = SqliteStore::new(pool.clone());
        session_store
            .migrate()
            .await
            .map_err(|e| StartupError::Database("session store", e))?;

        let authsignal = security::client::build(&settings)?;
        let sandbox = embedded_sandbox(&settings).await?;
        match &sandbox {
            Some(_) => tracing::info!(api = %authsignal.base_url(), "mode: embedded Authsignal sandbox at /sandbox (no AUTHSIGNAL_SECRET_KEY set)"),
            None => tracing::info!(api = %authsignal.base_url(), "mode: real Authsignal tenant"),
        }
        let state = AppState {
            leptos_options: leptos_options.clone(),
            settings: Arc::new(settings),
            users: UserStore::new(pool.clone()),
            events: SecurityEvents::new(pool.clone()),
            authsignal,
            pool,
        };
        let mut router = build_router(state, session_store.clone());
        if let Some(sandbox) = sandbox {
            router = router.nest("/sandbox", sandbox);
        }
        Ok(Application { listener, router, session_store })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then drains in-flight requests and stops the sweeper.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let sweeper = tokio::spawn(
            self.session_store
                .clone()
                .continuously_delete_expired(tokio::time::Duration::from_secs(60)),
        );
        let served = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        sweeper.abort();
        served
    }
}

fn session_layer(settings: &Settings, store: SqliteStore) -> SessionManagerLayer<SqliteStore> {
    let inactivity = time::Duration::try_from(settings.session_inactivity).unwrap_or(time::Duration::hours(12));
    SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        // Lax, not Strict: the pre-built UI returns by a cross-site top-level redirect.
        .with_same_site(SameSite::Lax)
        .with_secure(settings.cookies_secure())
        .with_expiry(Expiry::OnInactivity(inactivity))
}

/// Every route of the storefront.
pub fn build_router(state: AppState, session_store: SqliteStore) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let sessions = session_layer(&state.settings, session_store);

    Router::new()
        .route("/signup", post(auth_routes::sign_up))
        .route("/signin", post(auth_routes::sign_in))
        .route("/signin/complete", get(auth_routes::complete_sign_in))
        .route("/signout", post(auth_routes::sign_out))
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::return_flow::complete_return))
        .layer(axum::middleware::from_fn(protect::require_sign_in))
        .layer(axum::middleware::from_fn_with_state(state.clone(), cross_site::refuse_cross_site_writes))
        .layer(sessions)
        // Tokens arrive in the address bar: never pass a full URL on as a Referer.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Brotli or gzip for pages, CSS, JS and wasm, as the browser accepts.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The path only: query strings can carry tokens, which never reach the logs.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
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
