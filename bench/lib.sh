# shellcheck shell=bash
# What the bench scripts (run.sh, side_by_side.sh, profile.sh, soak.sh) share: sourced right
# after `set -euo pipefail`. It sets ROOT (the repository) and cds there. After sourcing, a
# script sets BENCH_TAG (its log prefix) and SECRET (the sandbox's secret key).
#
# Environment read here (optional):
#   STOREFRONT_BIN, SANDBOX_BIN   the binaries to run (default target/release/storefront and
#                                 target/release/authsignal-sandbox)
#   SKIP_BUILD=1                  build_release builds nothing
#   QUIET_MAX_WAIT, QUIET_BUDGET  wait_quiet's limits, per call and in total (seconds)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

BENCH_TAG=bench # each script sets its own after sourcing
STOREFRONT_BIN="${STOREFRONT_BIN:-target/release/storefront}"
SANDBOX_BIN="${SANDBOX_BIN:-target/release/authsignal-sandbox}"
# Clock ticks per second of /proc/PID/stat's CPU times (USER_HZ).
CLK_TCK="$(getconf CLK_TCK)"
# Processes that mean the machine is busy building (matched against the whole command name).
BUSY_RE="${BUSY_RE:-rustc|cargo|cargo-leptos|wasm-opt|wasm-bindgen|cargo-nextest}"
QUIET_MAX_WAIT="${QUIET_MAX_WAIT:-1200}"
QUIET_BUDGET="${QUIET_BUDGET:-1800}"
QUIET_POLL="${QUIET_POLL:-30}"
QUIET_SPENT=0
LAST_WAIT=0
PIDS=()
STOREFRONT_ENV=()

# --- logging ----------------------------------------------------------------------------

# Writes one time-stamped line, tagged with the script's name, to stderr.
log() { printf '[%s %s] %s\n' "$BENCH_TAG" "$(date +%H:%M:%S)" "$*" >&2; }
# Logs an error and exits (the EXIT trap then stops the servers).
die() { log "error: $*"; exit 1; }

# --- scratch directory and cleanup ------------------------------------------------------

# Makes the scratch directory WORK (/tmp/PREFIX.XXXXXX) and sets the EXIT trap (cleanup).
make_work() {
  WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
  trap cleanup EXIT
}
# EXIT trap: stops every process remembered by track, waits for them, removes WORK.
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "${WORK:-}" ]]; then rm -rf "$WORK"; fi
}
# Remembers a background process's pid so that cleanup stops it.
track() { PIDS+=("$1"); }
# Stops the given processes and waits until they have exited.
stop() {
  kill "$@" 2>/dev/null || true
  wait "$@" 2>/dev/null || true
}

# --- tools and build --------------------------------------------------------------------

# Installs through apt whichever of the given commands is missing (package = command name).
apt_tools() {
  local tool missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (apt)"
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
}
# Dies unless every given command is on PATH.
need_tools() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is required"; done
}
# True when the release storefront and its wasm bundle are built.
release_built() { [[ -x target/release/storefront ]] && compgen -G 'target/site/pkg/*.wasm' >/dev/null; }
# Builds the release sandbox (it needs /_test/stats); cargo makes this a no-op when up to date.
build_sandbox() {
  log "cargo build --release -p authsignal-sandbox"
  cargo build --release -p authsignal-sandbox --quiet
}
# Unless SKIP_BUILD=1: builds the release storefront if it is missing, then the sandbox.
build_release() {
  [[ "${SKIP_BUILD:-0}" != 1 ]] || return 0
  if ! release_built; then
    log "release build missing: cargo leptos build --release"
    cargo leptos build --release --precompress
  fi
  build_sandbox
}

# --- ports and servers ------------------------------------------------------------------

# Prints a TCP port that is free on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits until URL answers HTTP (any status), at most SECONDS (default 60); dies otherwise.
wait_http() { # url [seconds]
  local deadline=$((SECONDS + ${2:-60}))
  until curl -s -o /dev/null "$1"; do
    ((SECONDS < deadline)) || die "$1 did not answer within ${2:-60} s"
    sleep 0.2
  done
}
# Starts the sandbox on a free port (SQLite in DIR, faults on), waits for it; sets SANDBOX, SB_PID.
start_sandbox() { # dir [rust_log]
  local port env=()
  port="$(free_port)"
  SANDBOX="http://127.0.0.1:$port"
  if [[ -n "${2:-}" ]]; then env+=(RUST_LOG="$2"); fi
  env "${env[@]}" "$SANDBOX_BIN" --addr "127.0.0.1:$port" --secret-key "$SECRET" \
    --database-url "sqlite://$1/sandbox.db?mode=rwc" --enable-faults >"$1/sandbox.log" 2>&1 &
  SB_PID=$!
  track "$SB_PID"
  wait_http "$SANDBOX/_faults" 30
}
# Starts the storefront on PORT against SANDBOX (state in DIR), waits for it; sets BASE, SF_PID.
start_storefront() { # dir port [rust_log]; also passes STOREFRONT_ENV's NAME=VALUE pairs
  SF_DIR="$1" SF_PORT="$2" SF_RUST_LOG="${3:-}"
  BASE="http://127.0.0.1:$SF_PORT"
  local env=("${STOREFRONT_ENV[@]}")
  if [[ -n "$SF_RUST_LOG" ]]; then env+=(RUST_LOG="$SF_RUST_LOG"); fi
  mkdir -p "$SF_DIR/data"
  env AUTHSIGNAL_SECRET_KEY="$SECRET" AUTHSIGNAL_API_URL="$SANDBOX/v1" STOREFRONT_SIGN_UPS_PER_IP=10000 \
    LEPTOS_SITE_ADDR="127.0.0.1:$SF_PORT" LEPTOS_SITE_ROOT=target/site STOREFRONT_BASE_URL="$BASE" \
    DATABASE_URL="sqlite://$SF_DIR/storefront.db?mode=rwc" STOREFRONT_DATA_DIR="$SF_DIR/data" \
    "${env[@]}" "$STOREFRONT_BIN" >>"$SF_DIR/storefront.log" 2>&1 &
  SF_PID=$!
  track "$SF_PID"
  wait_http "$BASE/healthz" 60
}
# A fresh storefront process, same settings, users and sessions kept (SQLite): drops sign-up RSS.
restart_storefront() {
  stop "$SF_PID"
  start_storefront "$SF_DIR" "$SF_PORT" "$SF_RUST_LOG"
}
# Makes the sandbox add MS milliseconds to every API call.
set_upstream_latency() { # ms
  curl -sf -X PUT "$SANDBOX/_faults" -H 'content-type: application/json' \
    -d "{\"route\":\"*\",\"latencyMs\":$1}" >/dev/null
}
# Removes the sandbox's injected faults and latency.
clear_faults() { curl -sf -X DELETE "$SANDBOX/_faults" >/dev/null || true; }
# Signs up COUNT customers per pool (bench/setup_users.py); writes DIR/cookies-<pool>.txt.
setup_users() { # dir count tag
  python3 "$ROOT/bench/setup_users.py" --base "$BASE" --sandbox "$SANDBOX" --secret "$SECRET" \
    --db "$1/storefront.db" --count "$2" --out "$1" --tag "$3"
}

# --- load -------------------------------------------------------------------------------

# Runs wrk with bench/wrk/session.lua, one thread and one session (line of COOKIES) per connection.
wrk_session() { # conns duration(10s, 2m) base cookies mode [path]
  local env=(BENCH_COOKIES="$4" BENCH_MODE="$5")
  if [[ -n "${6:-}" ]]; then env+=(BENCH_PATH="$6"); fi
  env "${env[@]}" wrk -t "$1" -c "$1" -d "$2" --timeout 10s -s "$ROOT/bench/wrk/session.lua" "$3"
}
# A 2 s wrk_session whose output is dropped: opens connections and warms caches before a run.
warm_up() { # conns base cookies mode [path]
  wrk_session "$1" 2s "$2" "$3" "$4" "${5:-}" >/dev/null 2>&1 || true
}
# Prints the JSON of the BENCH_JSON line in wrk output read from stdin (nothing if none).
bench_json() { sed -n 's/^BENCH_JSON //p'; }

# --- quiet machine ----------------------------------------------------------------------

# Prints how many build processes (BUSY_RE: rustc, cargo, ...) are running.
# shellcheck disable=SC2009 # ps | grep -x counts whole command names, one regex for all
busy_procs() { ps -eo comm= | grep -cxE "$BUSY_RE" || true; }
# Waits while busy_procs > 0 (QUIET_MAX_WAIT per call, QUIET_BUDGET in all); sets LAST_WAIT.
wait_quiet() {
  local waited=0
  while (($(busy_procs) > 0)) && ((waited < QUIET_MAX_WAIT)) && ((QUIET_SPENT < QUIET_BUDGET)); do
    ((waited == 0)) && log "machine busy ($(busy_procs) rustc/cargo processes, load $(load1)); waiting"
    sleep "$QUIET_POLL"
    waited=$((waited + QUIET_POLL))
    QUIET_SPENT=$((QUIET_SPENT + QUIET_POLL))
  done
  # shellcheck disable=SC2034 # read by the script after each call
  LAST_WAIT=$waited
}
# Prints the 1-minute load average.
load1() { cut -d' ' -f1 /proc/loadavg; }

# --- CPU and memory of a process --------------------------------------------------------

# Prints the CPU time (user + system) PID has used so far, in clock ticks (1/CLK_TCK s).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; } # fields 14, 15 after "pid (comm)"
# Prints TICKS clock ticks as milliseconds.
ticks_ms() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN {printf "%.3f\n", t * 1000 / hz}'; }
# Prints a /proc/PID/status field in kB, e.g. VmRSS or VmHWM.
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# Prints PID's resident memory now (VmRSS), in kB.
rss_kb() { status_kb "$1" VmRSS; }
# Prints PID's peak resident memory so far (VmHWM), in kB.
peak_rss_kb() { status_kb "$1" VmHWM; }
