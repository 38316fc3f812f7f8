#!/usr/bin/env bash
# Runs every test of the project: Rust unit + integration tests, the official Authsignal
# SDKs against the sandbox, and the Playwright journeys in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

NEED_BROWSER=1 ./scripts/install-tools.sh
# PostgreSQL and Redis for the scale-out tests (started, or installed, only when not running).
./scripts/services.sh

# The flag cargo-leptos builds debug with (it adds it itself, so it runs without this).
export RUSTFLAGS="--cfg erase_components"

step() { printf '\n==> %s\n' "$*"; }

step "formatting and lints (rustfmt, clippy with warnings as errors, server and wasm)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --features storefront/ssr -- -D warnings
cargo clippy -p storefront --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

# The site's front end (wasm, CSS, assets); the server binary Playwright runs is the one the
# test build below makes, so the server's crates are compiled once, with the tests' features.
step "building the site's front end (wasm, CSS, assets)"
env -u RUSTFLAGS cargo leptos build --frontend-only

step "a real SMTP server for the mail tests (aiosmtpd, PyPI, in tests/mail/.venv)"
[ -x tests/mail/.venv/bin/python ] || python3 -m venv tests/mail/.venv
tests/mail/.venv/bin/pip install --quiet --disable-pip-version-check -r tests/mail/requirements.txt

step "Rust unit and integration tests"
cargo nextest run --workspace --features ssr --no-fail-fast

if [ -x crates/authsignal-sandbox/sdk-tests/run.sh ]; then
  step "official Authsignal SDKs (Node, Python) against the sandbox"
  SANDBOX_BIN=target/debug/authsignal-sandbox crates/authsignal-sandbox/sdk-tests/run.sh
fi

step "Playwright journeys (Debian Chromium, headless)"
(cd end2end && npm ci --silent --no-audit --no-fund && CI="${CI:-}" npx playwright test)
