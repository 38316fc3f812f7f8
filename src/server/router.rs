//! Every route of the storefront, merged once from each feature's `routes()`, and the layers
//! around them, outermost last.

use axum::extract::DefaultBodyLimit;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::{shell, App};
use crate::server::config::{PrebuiltUi, Settings};
use crate::server::sessions::store::SessionBackend;
use crate::server::state::AppState;
use crate::server::web::layers::{cross_site, error_pages, headers, page_cache, require_sign_in};
use crate::server::web::request_limits::{self, MAX_BODY_BYTES};
use crate::server::{accounts, authsignal, health, mail, recovery};

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
pub fn build(state: AppState, session_store: SessionBackend, sandbox: Option<Router>) -> Router {
    let router =
        pages_and_forms(&state, session_store).merge(authsignal::webhook_routes(state.clone()));
    let router = if state.settings.dev_mailbox() {
        router.merge(mail::dev_mailbox::routes(state.clone()))
    } else {
        router
    };
    let router = match sandbox {
        Some(sandbox) => router.nest("/sandbox", sandbox),
        None => router,
    };
    outer_layers(router, state.settings.cookies_secure())
}

/// The Leptos pages and every feature's forms, behind sessions and the checks that need them.
fn pages_and_forms(state: &AppState, session_store: SessionBackend) -> Router {
    let leptos_options = state.leptos_options.clone();
    // Every render and server function gets the state, and every page its own CSP nonce.
    let page_sources = headers::PageSources::for_api(
        &authsignal::client::api_base_url(&state.settings),
        state.settings.prebuilt_ui == PrebuiltUi::Popup,
        state.settings.tenant_id.is_some(),
    );
    let sources = page_sources.clone();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(crate::server::users::RequestUser::default());
            headers::provide_page_policy(&sources);
        }
    };
    Router::new()
        .merge(accounts::sign_in::routes())
        .merge(accounts::verify_email::routes())
        .merge(authsignal::routes())
        .merge(recovery::routes())
        .merge(health::routes())
        .leptos_routes_with_context(
            state,
            generate_route_list(App),
            context.clone(),
            move || shell(leptos_options.clone()),
        )
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
        .layer(session_layer(&state.settings, session_store))
        .layer(axum::middleware::from_fn_with_state(
            page_sources.clone(),
            headers::page_nonce,
        ))
        // Outside the session layer: a session store outage becomes a readable page.
        .layer(axum::middleware::from_fn(
            error_pages::friendly_server_errors,
        ))
        // Outside sessions and rendering: a signed-out visitor's public page skips both.
        .layer(axum::middleware::from_fn_with_state(
            page_cache::PageCache::default(),
            page_cache::serve,
        ))
        .with_state(state.clone())
}

/// Around everything, the sandbox included: body limits, security headers, compression and
/// one log span per request.
fn outer_layers(router: Router, https: bool) -> Router {
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
