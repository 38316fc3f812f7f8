#!/usr/bin/env bash
# The storefront benchmark (issue 8): the release build against a standalone sandbox with
# added upstream latency, driven by wrk on 127.0.0.1. `make bench` runs it; see BENCHMARKS.md.
#
# Environment (all optional):
#   UPSTREAM_LATENCY_MS  latency the sandbox adds to every API call (default 50)
#   FAST_RUN             1 = also run everything again with 0 ms (default 1)
#   CONNECTIONS          connection counts (default "1 16 64")
#   DURATION             seconds per wrk run (default 10)
#   REPEATS              runs per figure; the report takes the median (default 3)
#   SCENARIOS            default "account-enrolled account-not-enrolled launch launch-fresh"
#   QUIET_MAX_WAIT       seconds to wait, before each run, for no rustc/cargo (default 1200)
#   QUIET_BUDGET         total seconds of such waiting for the whole benchmark (default 1800)
#   BENCH_RUST_LOG       RUST_LOG for both servers (default "info", as deployed)
#   RESULTS_DIR          where results go (default bench/results/<UTC timestamp>)
#   RESTART_AFTER_SETUP  1 = restart the storefront after the sign-ups (default 1)
#   STOREFRONT_BIN, SANDBOX_BIN, SKIP_BUILD=1   smoke-test the script with other binaries
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

UPSTREAM_LATENCY_MS="${UPSTREAM_LATENCY_MS:-50}"
FAST_RUN="${FAST_RUN:-1}"
CONNECTIONS="${CONNECTIONS:-1 16 64}"
DURATION="${DURATION:-10}"
REPEATS="${REPEATS:-3}"
SCENARIOS="${SCENARIOS:-account-enrolled account-not-enrolled launch launch-fresh}"
QUIET_MAX_WAIT="${QUIET_MAX_WAIT:-1200}"
QUIET_BUDGET="${QUIET_BUDGET:-1800}"
BENCH_RUST_LOG="${BENCH_RUST_LOG:-info}"
STOREFRONT_BIN="${STOREFRONT_BIN:-target/release/storefront}"
SANDBOX_BIN="${SANDBOX_BIN:-target/release/authsignal-sandbox}"
SKIP_BUILD="${SKIP_BUILD:-0}"
SECRET="bench-secret"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results/$STAMP}"
WORK="$(mktemp -d /tmp/storefront-bench.XXXXXX)"
RUNS="$RESULTS_DIR/runs.jsonl"
mkdir -p "$RESULTS_DIR"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools (idempotent) -----------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v brotli >/dev/null || need_apt+=(brotli)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v curl >/dev/null || need_apt+=(curl)
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]} (apt)"
  apt-get install -y "${need_apt[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y "${need_apt[@]}" >/dev/null; }
fi
command -v python3 >/dev/null || die "python3 is required"

# --- quiet machine ----------------------------------------------------------------------
QUIET_SPENT=0
busy_procs() { ps -eo comm= | grep -cxE 'rustc|cargo|cargo-leptos|wasm-opt|wasm-bindgen|cargo-nextest' || true; }
wait_quiet() {
  local waited=0
  while (($(busy_procs) > 0)) && ((waited < QUIET_MAX_WAIT)) && ((QUIET_SPENT < QUIET_BUDGET)); do
    ((waited == 0)) && log "machine busy ($(busy_procs) rustc/cargo processes, load $(cut -d' ' -f1 /proc/loadavg)); waiting"
    sleep 30
    waited=$((waited + 30))
    QUIET_SPENT=$((QUIET_SPENT + 30))
  done
  LAST_WAIT=$waited
}

# --- build ------------------------------------------------------------------------------
if [[ "$SKIP_BUILD" != 1 ]]; then
if [[ ! -x target/release/storefront || ! -d target/site/pkg || -z "$(ls target/site/pkg/*.wasm 2>/dev/null)" ]]; then
  log "release build missing: cargo leptos build --release"
  cargo leptos build --release --precompress
fi
# The sandbox binary needs /_test/stats; cargo is a no-op when it is up to date.
log "cargo build --release -p authsignal-sandbox"
cargo build --release -p authsignal-sandbox --quiet
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_http() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$1"; do
    ((SECONDS < deadline)) || die "$1 did not answer within $2 s"
    sleep 0.2
  done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

start_storefront() { # port, dir
  AUTHSIGNAL_SECRET_KEY="$SECRET" AUTHSIGNAL_API_URL="$SANDBOX/v1" STOREFRONT_SIGN_UPS_PER_IP=10000 \
    LEPTOS_SITE_ADDR="127.0.0.1:$1" LEPTOS_SITE_ROOT=target/site \
    STOREFRONT_BASE_URL="$BASE" DATABASE_URL="sqlite://$2/storefront.db?mode=rwc" \
    STOREFRONT_DATA_DIR="$2/data" RUST_LOG="$BENCH_RUST_LOG" \
    "$STOREFRONT_BIN" >>"$2/storefront.log" 2>&1 &
  SF_PID=$!
  PIDS+=("$SF_PID")
  wait_http "$BASE/" 60
}

# --- one configuration: fresh sandbox + storefront, users, then every scenario ----------
run_config() {
  local latency="$1" dir="$WORK/lat$1"
  mkdir -p "$dir/data"
  local sb_port sf_port
  sb_port="$(free_port)"
  sf_port="$(free_port)"
  SANDBOX="http://127.0.0.1:$sb_port"
  BASE="http://127.0.0.1:$sf_port"

  RUST_LOG="$BENCH_RUST_LOG" "$SANDBOX_BIN" --addr "127.0.0.1:$sb_port" \
    --secret-key "$SECRET" --database-url "sqlite://$dir/sandbox.db?mode=rwc" --enable-faults \
    >"$dir/sandbox.log" 2>&1 &
  SB_PID=$!
  PIDS+=("$SB_PID")
  wait_http "$SANDBOX/_faults" 30

  start_storefront "$sf_port" "$dir"
  log "latency ${latency} ms: sandbox pid $SB_PID ($SANDBOX), storefront pid $SF_PID ($BASE)"

  # Users: one pool per kind, as many as the largest connection count.
  local n=0 c
  for c in $CONNECTIONS; do if ((c > n)); then n=$c; fi; done
  python3 "$ROOT/bench/setup_users.py" --base "$BASE" --sandbox "$SANDBOX" --secret "$SECRET" \
    --db "$dir/storefront.db" --count "$n" --out "$dir" --tag "lat$latency"
  local hwm_after_setup
  hwm_after_setup="$(status_kb "$SF_PID" VmHWM)"
  # Sign-ups hash passwords (Argon2, 19 MiB each), which inflates the process's peak RSS
  # for good; restart (sessions and users are in SQLite) so that the figures under load
  # are the page's own. The sign-up peak is reported separately.
  if [[ "${RESTART_AFTER_SETUP:-1}" == 1 ]]; then
    kill "$SF_PID"
    wait "$SF_PID" 2>/dev/null || true
    start_storefront "$sf_port" "$dir"
    log "storefront restarted after sign-ups (VmHWM was $hwm_after_setup kB): pid $SF_PID"
  fi
  cp "$dir/upstream-per-request.json" "$RESULTS_DIR/upstream-per-request-lat$latency.json"

  # Transfer and hydration only once per configuration (they do not depend on load).
  python3 "$ROOT/bench/transfer.py" --base "$BASE" --cookie "$(head -1 "$dir/cookies-enrolled.txt")" \
    --out "$RESULTS_DIR/transfer.json" >"$RESULTS_DIR/transfer.txt" || log "transfer measurement failed"
  if [[ -d end2end/node_modules/playwright && -x /usr/bin/chromium ]]; then
    curl -s -X DELETE "$SANDBOX/_test/stats" >/dev/null
    node "$ROOT/bench/hydration.mjs" "$BASE" "$SANDBOX" "$(head -1 "$dir/cookies-enrolled.txt")" \
      >"$RESULTS_DIR/hydration-lat$latency.json" 2>"$dir/hydration.err" ||
      log "hydration check failed: $(tail -3 "$dir/hydration.err")"
  fi

  if ((latency > 0)); then
    curl -sf -X PUT "$SANDBOX/_faults" -H 'content-type: application/json' \
      -d "{\"route\":\"*\",\"latencyMs\":$latency}" >/dev/null
  fi

  local scenario rep cookies mode
  for scenario in $SCENARIOS; do
    case "$scenario" in
      account-enrolled) cookies="$dir/cookies-enrolled.txt"; mode=account ;;
      account-not-enrolled) cookies="$dir/cookies-not-enrolled.txt"; mode=account ;;
      launch) cookies="$dir/cookies-launch.txt"; mode=launch ;;
      launch-fresh) cookies="$dir/cookies-launch.txt"; mode=launch-fresh ;;
      *) die "unknown scenario $scenario" ;;
    esac
    for c in $CONNECTIONS; do
      # Warm-up (not recorded): opens connections, fills caches and the 30 s launch window.
      BENCH_COOKIES="$cookies" BENCH_MODE="$mode" wrk -t "$c" -c "$c" -d 2s --timeout 10s \
        -s "$ROOT/bench/wrk/session.lua" "$BASE" >/dev/null 2>&1 || true
      for rep in $(seq 1 "$REPEATS"); do
        wait_quiet
        local load busy sf0 sb0 sf1 sb1 stats out
        load="$(cut -d' ' -f1 /proc/loadavg)"
        busy="$(busy_procs)"
        curl -sf -X DELETE "$SANDBOX/_test/stats" >/dev/null
        sf0="$(cpu_ticks "$SF_PID")"
        sb0="$(cpu_ticks "$SB_PID")"
        out="$(BENCH_COOKIES="$cookies" BENCH_MODE="$mode" wrk -t "$c" -c "$c" -d "${DURATION}s" \
          --timeout 10s -s "$ROOT/bench/wrk/session.lua" "$BASE" 2>&1)" || die "wrk failed: $out"
        sf1="$(cpu_ticks "$SF_PID")"
        sb1="$(cpu_ticks "$SB_PID")"
        stats="$(curl -sf "$SANDBOX/_test/stats")"
        local json
        json="$(grep '^BENCH_JSON ' <<<"$out" | sed 's/^BENCH_JSON //')"
        [[ -n "$json" ]] || die "no result from wrk: $out"
        python3 - "$json" "$stats" <<PY >>"$RUNS"
import json, sys
run = json.loads(sys.argv[1]); stats = json.loads(sys.argv[2])
tick = 100.0
run.update(
    latency_ms=$latency, scenario="$scenario", connections=$c, rep=$rep,
    upstream=stats, storefront_rss_kb=int("$(status_kb "$SF_PID" VmRSS)"),
    storefront_hwm_kb=int("$(status_kb "$SF_PID" VmHWM)"),
    storefront_cpu_s=($sf1 - $sf0) / tick, sandbox_cpu_s=($sb1 - $sb0) / tick,
    load1_before=float("$load"), busy_procs_before=$busy, waited_s=$LAST_WAIT,
    hwm_after_setup_kb=int("$hwm_after_setup"),
)
print(json.dumps(run))
PY
        log "$(python3 "$ROOT/bench/report.py" --line "$(tail -1 "$RUNS")")"
      done
    done
  done
  curl -sf -X DELETE "$SANDBOX/_faults" >/dev/null || true
  log "latency ${latency} ms: storefront VmHWM $(status_kb "$SF_PID" VmHWM) kB"
  kill "$SF_PID" "$SB_PID"
  wait "$SF_PID" "$SB_PID" 2>/dev/null || true
}

{
  echo "date_utc=$STAMP"
  echo "git=$(git rev-parse --short HEAD)$(git diff --quiet -- src crates Cargo.toml || echo '+dirty')"
  echo "storefront_binary=$STOREFRONT_BIN built $(date -u -r "$STOREFRONT_BIN" +%FT%TZ)"
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "connections=$CONNECTIONS duration=${DURATION}s repeats=$REPEATS"
} >"$RESULTS_DIR/machine.txt"

log "results in $RESULTS_DIR"
run_config "$UPSTREAM_LATENCY_MS"
if [[ "$FAST_RUN" == 1 && "$UPSTREAM_LATENCY_MS" != 0 ]]; then
  run_config 0
fi
python3 "$ROOT/bench/report.py" "$RESULTS_DIR" | tee "$RESULTS_DIR/summary.md"
