#!/usr/bin/env bash
# The storefront benchmark: the release build alone against a standalone sandbox with added
# upstream latency, driven by wrk on 127.0.0.1, four scenarios (/account enrolled and not,
# launch repeat and fresh) with upstream calls, storefront and sandbox CPU and RSS per run.
# `make bench` runs it; see BENCHMARKS.md. The comparison with the Express peer is
# bench/side_by_side.sh.
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
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_TAG=bench

UPSTREAM_LATENCY_MS="${UPSTREAM_LATENCY_MS:-50}"
FAST_RUN="${FAST_RUN:-1}"
CONNECTIONS="${CONNECTIONS:-1 16 64}"
DURATION="${DURATION:-10}"
REPEATS="${REPEATS:-3}"
SCENARIOS="${SCENARIOS:-account-enrolled account-not-enrolled launch launch-fresh}"
BENCH_RUST_LOG="${BENCH_RUST_LOG:-info}"
SECRET="bench-secret"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results/$STAMP}"
make_work storefront-bench
RUNS="$RESULTS_DIR/runs.jsonl"
mkdir -p "$RESULTS_DIR"

apt_tools wrk brotli sqlite3 curl
need_tools python3
build_release

# --- one configuration: fresh sandbox + storefront, users, then every scenario ----------
run_config() {
  local latency="$1" dir="$WORK/lat$1"
  mkdir -p "$dir"
  start_sandbox "$dir" "$BENCH_RUST_LOG"
  start_storefront "$dir" "$(free_port)" "$BENCH_RUST_LOG"
  log "latency ${latency} ms: sandbox pid $SB_PID ($SANDBOX), storefront pid $SF_PID ($BASE)"

  # Users: one pool per kind, as many as the largest connection count.
  local n=0 c
  for c in $CONNECTIONS; do if ((c > n)); then n=$c; fi; done
  setup_users "$dir" "$n" "lat$latency"
  local hwm_after_setup
  hwm_after_setup="$(peak_rss_kb "$SF_PID")"
  # Sign-ups hash passwords (Argon2, 19 MiB each), which inflates the process's peak RSS
  # for good; restart (sessions and users are in SQLite) so that the figures under load
  # are the page's own. The sign-up peak is reported separately.
  if [[ "${RESTART_AFTER_SETUP:-1}" == 1 ]]; then
    restart_storefront
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

  if ((latency > 0)); then set_upstream_latency "$latency"; fi

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
      warm_up "$c" "$BASE" "$cookies" "$mode"
      for rep in $(seq 1 "$REPEATS"); do
        wait_quiet
        local load busy sf0 sb0 sf1 sb1 stats out
        load="$(load1)"
        busy="$(busy_procs)"
        curl -sf -X DELETE "$SANDBOX/_test/stats" >/dev/null
        sf0="$(cpu_ticks "$SF_PID")"
        sb0="$(cpu_ticks "$SB_PID")"
        out="$(wrk_session "$c" "${DURATION}s" "$BASE" "$cookies" "$mode" 2>&1)" || die "wrk failed: $out"
        sf1="$(cpu_ticks "$SF_PID")"
        sb1="$(cpu_ticks "$SB_PID")"
        stats="$(curl -sf "$SANDBOX/_test/stats")"
        local json
        json="$(bench_json <<<"$out")"
        [[ -n "$json" ]] || die "no result from wrk: $out"
        python3 - "$json" "$stats" <<PY >>"$RUNS"
import json, sys
run = json.loads(sys.argv[1]); stats = json.loads(sys.argv[2])
tick = float($CLK_TCK)
run.update(
    latency_ms=$latency, scenario="$scenario", connections=$c, rep=$rep,
    upstream=stats, storefront_rss_kb=int("$(rss_kb "$SF_PID")"),
    storefront_hwm_kb=int("$(peak_rss_kb "$SF_PID")"),
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
  clear_faults
  log "latency ${latency} ms: storefront VmHWM $(peak_rss_kb "$SF_PID") kB"
  stop "$SF_PID" "$SB_PID"
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
