#!/usr/bin/env bash
# Runs every test of the project: Rust unit + integration tests, the official Authsignal
# SDKs against the sandbox, and the Playwright journeys in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

NEED_BROWSER=1 ./scripts/install-tools.sh
# PostgreSQL and Redis for the scale-out tests (started, or installed, only when not running).
./scripts/services.sh

# Clippy lints the workspace's own crates as they are built (clippy-driver wraps rustc for
# them; dependencies are compiled as usual and never linted: cargo caps their lints), so
# each crate is compiled once for lints, front end and tests alike. `-D warnings` makes
# every rustc or clippy warning an error.
RUSTC_WORKSPACE_WRAPPER="$(command -v clippy-driver)" ||
  { echo "clippy is missing: rustup component add clippy" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER
# cargo-leptos adds `--cfg erase_components` itself to the front end's flags; the test build
# takes it here so the server is compiled the way `cargo leptos build` would.
export RUSTFLAGS="--cfg erase_components -D warnings"

step() { printf '\n==> %s\n' "$*"; }

step "formatting"
cargo fmt --all --check

step "the site's front end (wasm, CSS, assets), linted by clippy as it builds"
RUSTFLAGS="-D warnings" cargo leptos build --frontend-only

step "a real SMTP server for the mail tests (aiosmtpd, PyPI, in tests/mail/.venv)"
[ -x tests/mail/.venv/bin/python ] || python3 -m venv tests/mail/.venv
tests/mail/.venv/bin/pip install --quiet --disable-pip-version-check -r tests/mail/requirements.txt

# The server binary Playwright runs and the sandbox the SDK tests run are this build's.
step "Rust unit and integration tests (every crate of the workspace linted by clippy as it builds)"
cargo nextest run --workspace --features ssr --no-fail-fast

if [ -x crates/authsignal-sandbox/sdk-tests/run.sh ]; then
  step "official Authsignal SDKs (Node, Python) against the sandbox"
  SANDBOX_BIN=target/debug/authsignal-sandbox crates/authsignal-sandbox/sdk-tests/run.sh
fi

step "Playwright journeys (Debian Chromium, headless)"
(cd end2end && npm ci --silent --no-audit --no-fund && CI="${CI:-}" npx playwright test)
