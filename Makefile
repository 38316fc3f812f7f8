# The storefront's entry points. `make run` and `make test` are the README's two commands.
.PHONY: run test tools dev build-release

# Runs the storefront on the embedded default (SQLite + in-process Authsignal sandbox).
run: tools
	cargo leptos serve --release --precompress

# Runs every test: Rust unit + integration, the official SDKs against the sandbox, Playwright.
test: tools
	./scripts/test.sh

# Installs, idempotently, what the build needs.
tools:
	./scripts/install-tools.sh

# Day-to-day development with live reload.
dev: tools
	cargo leptos watch

# The performance benchmark: release build vs a standalone sandbox, wrk on 127.0.0.1; see
# BENCHMARKS.md. UPSTREAM_LATENCY_MS, CONNECTIONS, DURATION, REPEATS tune it. The comparison
# with the Express peer is bench/side_by_side.sh.
.PHONY: bench
bench:
	./bench/run.sh

# Bounded soak: 64 signed-in sessions, mixed views and launches, 10 minutes (SOAK_MINUTES).
.PHONY: soak
soak: tools
	./bench/soak.sh
