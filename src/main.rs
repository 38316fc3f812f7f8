//! Server entry: configuration → state → router → serve, with graceful shutdown.

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    tune_allocator();
    let workers = match async_workers() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve()),
        Err(e) => {
            eprintln!("start-up failed: no async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Half the cores (at least one) run the async tasks: the rest is left to the threads that
/// do the blocking work (SQLite connections, password hashing) and to the kernel's network
/// stack. On two cores one worker served an account page with ~30% less CPU than two (no
/// hand-offs between workers; BENCHMARKS.md). `TOKIO_WORKER_THREADS` overrides it.
#[cfg(feature = "ssr")]
fn async_workers() -> Result<usize, String> {
    match std::env::var("TOKIO_WORKER_THREADS") {
        Ok(n) => match n.trim().parse::<usize>() {
            Ok(n) if (1..=1024).contains(&n) => Ok(n),
            _ => Err("invalid configuration: TOKIO_WORKER_THREADS: expected a number of threads from 1 to 1024".into()),
        },
        Err(_) => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            Ok((cores / 2).max(1))
        }
    }
}

#[cfg(feature = "ssr")]
async fn serve() -> std::process::ExitCode {
    use storefront::server::config::{site, Settings};
    use storefront::server::{startup, telemetry};

    // `storefront admin …` is the operators' CLI; anything else serves, as it always has.
    if std::env::args_os().nth(1).is_some_and(|arg| arg == "admin") {
        return storefront::admin::run(std::env::args_os().skip(1)).await;
    }
    telemetry::init();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let leptos_options = match site::load_site_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = leptos_options.site_addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("invalid configuration: LEPTOS_SITE_ADDR: cannot listen on {addr}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let app = match startup::Application::build(settings.clone(), leptos_options, listener).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("start-up failed: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    tracing::info!(%addr, base_url = %settings.origin(), "storefront listening");
    match app.run_until(startup::shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Before any thread starts. Argon2 needs 19 MiB per password hash; glibc keeps such blocks
/// after they are freed, so a burst of sign-ups left the server at ~600 MiB (BENCHMARKS.md):
/// large blocks are mmapped and returned instead. And two arenas, not one per thread (each
/// SQLite connection is a thread): ~5 MiB less serving, no measurable CPU cost.
#[cfg(all(feature = "ssr", target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only adjusts allocator tuning; it is thread-safe in glibc.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(all(feature = "ssr", not(all(target_os = "linux", target_env = "gnu"))))]
fn tune_allocator() {}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser entry is `hydrate()` in lib.rs.
}
