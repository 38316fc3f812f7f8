#!/usr/bin/env bash
# Installs, idempotently and only when missing, every tool the build and tests need.
# No step downloads anything outside the package registries (crates.io, npm, Debian apt).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[version ="]/,""); print; exit}' Cargo.lock 2>/dev/null || true)
WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-0.2.130}
BINARYEN_VERSION=132.0.0
TOOLS_DIR=${TOOLS_DIR:-$HOME/.cache/storefront-tools}

log() { printf '[install-tools] %s\n' "$*"; }

# The tools are build helpers, not shipped code: skip their release profiles' fat LTO and
# single codegen unit, which make the link single-threaded, and most of their optimisation.
# `tool_install OPT_LEVEL [cargo install args]`; TOOL_TIMINGS=1 keeps cargo's --timings report.
tool_install() {
  local opt=$1
  shift
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install --quiet --locked --path . ${TOOL_TIMINGS:+--timings} "$@"
}
# cargo-leptos at -O0 but for the crates that do its per-build work (precompressing the site
# with brotli and gzip, hashing its files) at -O3, as `--config` arguments.
CARGO_LEPTOS_HOT_CRATES=(brotli brotli-decompressor alloc-no-stdlib alloc-stdlib miniz_oxide libflate libflate_lz77 adler32 crc32fast md-5 seahash)
cargo_leptos_hot_crates_at_o3() {
  for crate in "${CARGO_LEPTOS_HOT_CRATES[@]}"; do printf -- "--config=profile.release.package.%s.opt-level=3 " "$crate"; done
}

# Fetches a crate's published source through cargo (the only route to crates.io here).
fetch_crate_source() {
  local name=$1 version=$2 work="$TOOLS_DIR/fetch-$1"
  mkdir -p "$work/src"
  printf '[package]\nname = "fetch-%s"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n' \
    "$name" "$name" "$version" >"$work/Cargo.toml"
  echo 'fn main() {}' >"$work/src/main.rs"
  (cd "$work" && cargo fetch --quiet)
  local src
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$name-$version" | head -n1)
  rm -rf "$TOOLS_DIR/$name-$version"
  cp -r "$src" "$TOOLS_DIR/$name-$version"
  echo "$TOOLS_DIR/$name-$version"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# webauthn-rs (the sandbox's passkeys) links OpenSSL, found through pkg-config.
if ! pkg-config --exists openssl 2>/dev/null; then
  log "installing libssl-dev and pkg-config (OpenSSL for the sandbox's passkeys)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev pkg-config >/dev/null
fi

# The two Rust tools build side by side: each has a long single-threaded tail (its biggest
# crates, its link) that the other fills. Meanwhile the project's own crates download.
# (Also building the project's release here measured no faster: 22.4 min vs 22.2 to serve.)
pids=()
if ! cargo fetch --locked --quiet --offline 2>/dev/null; then
  cargo fetch --locked --quiet &
  pids+=($!)
fi
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "building cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads)"
  (
    dir=$(fetch_crate_source cargo-leptos "$CARGO_LEPTOS_VERSION")
    # Its lock pins cargo-util-schemas 0.14.2, which needs a newer rustc than this machine's.
    cd "$dir" && cargo update --quiet -p cargo-util-schemas --precise 0.14.1 &&
      # shellcheck disable=SC2046 # one argument per crate
      tool_install 0 --features no_downloads $(cargo_leptos_hot_crates_at_o3)
  ) &
  pids+=($!)
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  (
    dir=$(fetch_crate_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION")
    # webpki-roots 1.0.11 in its lock is missing from the registry here.
    cd "$dir" && { cargo update --quiet -p webpki-roots@1.0.11 --precise 1.0.10 2>/dev/null || true; } &&
      # -O1: 0.1 s over the storefront's release wasm. Without its default rustls-tls, which
      # only the test runner's downloads would use.
      tool_install 1 --bin wasm-bindgen --no-default-features
  ) &
  pids+=($!)
fi
# Every job is waited for, so a failed one leaves none running behind `make`.
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [ "$failed" = 1 ]; then
  log "a tool failed to build (see above)"
  exit 1
fi

# Debian's binaryen 108 breaks hydration; the npm package ships a working wasm-opt.
BINARYEN_DIR="$TOOLS_DIR/binaryen-$BINARYEN_VERSION"
if [ ! -x "$BINARYEN_DIR/node_modules/.bin/wasm-opt" ]; then
  log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  mkdir -p "$BINARYEN_DIR"
  (cd "$BINARYEN_DIR" && npm install --silent --no-save "binaryen@$BINARYEN_VERSION")
fi
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
mkdir -p "$CARGO_BIN"
ln -sf "$BINARYEN_DIR/node_modules/.bin/wasm-opt" "$CARGO_BIN/wasm-opt"

# The official Authsignal Web SDK (npm, pinned), served by the storefront from public/vendor/
# to the pages that use it (adding a passkey, passkey sign-in); git ignores the copy.
AUTHSIGNAL_BROWSER_VERSION=1.16.0
WEB_SDK="public/vendor/authsignal-browser-$AUTHSIGNAL_BROWSER_VERSION.min.js"
if [ ! -s "$WEB_SDK" ]; then
  log "installing @authsignal/browser@$AUTHSIGNAL_BROWSER_VERSION (npm) into public/vendor"
  SDK_DIR="$TOOLS_DIR/authsignal-browser-$AUTHSIGNAL_BROWSER_VERSION"
  mkdir -p "$SDK_DIR" public/vendor
  (cd "$SDK_DIR" && npm install --silent --no-save --no-audit --no-fund "@authsignal/browser@$AUTHSIGNAL_BROWSER_VERSION")
  cp "$SDK_DIR/node_modules/@authsignal/browser/dist/index.min.js" "$WEB_SDK"
fi

if [ "${NEED_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  log "installing Debian chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

log "tools ready"
