#!/usr/bin/env bash
# Bounded soak, for leaks and errors over time: the release storefront against a standalone
# sandbox, 64 signed-in sessions on 64 connections, mixed traffic (3 /account views : 2
# launches) for SOAK_MINUTES, sampling the storefront's RSS every 10 s. Passes when there are zero errors and memory is
# flat (last minute's mean RSS within 10 % + 4 MiB of the second minute's).
#
#   make soak                      # 10 minutes, SQLite sessions
#   SOAK_MINUTES=2 SOAK_REDIS_URL=redis://127.0.0.1:6379 make soak
#
# Environment: SOAK_MINUTES (10), CONNECTIONS (64), UPSTREAM_LATENCY_MS (0), SOAK_REDIS_URL
# (unset = sessions in SQLite), RESULTS_DIR (bench/results/soak-<UTC>), SKIP_BUILD=1;
# STOREFRONT_BIN, SANDBOX_BIN (see lib.sh).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_TAG=soak

MINUTES="${SOAK_MINUTES:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
LATENCY="${UPSTREAM_LATENCY_MS:-0}"
SECRET="soak-secret"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results/soak-$STAMP}"
make_work storefront-soak
mkdir -p "$RESULTS_DIR"

apt_tools wrk curl
build_release

start_sandbox "$WORK" warn
STOREFRONT_ENV=(REDIS_URL="${SOAK_REDIS_URL:-}") # empty = unset: sessions in SQLite
start_storefront "$WORK" "$(free_port)" warn
setup_users "$WORK" "$CONNECTIONS" soak
# Restart so the sign-ups' password hashing is not in the memory figures (sessions persist).
restart_storefront
if ((LATENCY > 0)); then set_upstream_latency "$LATENCY"; fi

log "storefront pid $SF_PID, $CONNECTIONS connections, ${MINUTES} min, upstream +${LATENCY} ms"
echo "seconds,rss_kb" >"$RESULTS_DIR/rss.csv"
( start=$SECONDS; while kill -0 "$SF_PID" 2>/dev/null; do echo "$((SECONDS - start)),$(rss_kb "$SF_PID")" >>"$RESULTS_DIR/rss.csv"; sleep 10; done ) &
SAMPLER=$!
track "$SAMPLER"
wrk_session "$CONNECTIONS" "${MINUTES}m" "$BASE" "$WORK/cookies-launch.txt" mixed >"$RESULTS_DIR/wrk.txt" 2>&1 ||
  die "wrk failed: $(tail -5 "$RESULTS_DIR/wrk.txt")"
stop "$SAMPLER"
grep -c "panicked" "$WORK/storefront.log" >"$RESULTS_DIR/panics.txt" || true
cp "$WORK/storefront.log" "$RESULTS_DIR/storefront.log"

python3 - "$RESULTS_DIR" "$MINUTES" "$CONNECTIONS" "$LATENCY" "${SOAK_REDIS_URL:+redis}" <<'PY'
import csv, json, sys
out, minutes, conns, latency, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5] or "sqlite"
run = json.loads(next(l for l in open(f"{out}/wrk.txt") if l.startswith("BENCH_JSON ")).split(" ", 1)[1])
rss = [(int(r["seconds"]), int(r["rss_kb"])) for r in csv.DictReader(open(f"{out}/rss.csv")) if r["rss_kb"]]
def mean(xs): return sum(xs) / len(xs) if xs else 0
second_minute = mean([k for s, k in rss if 60 <= s < 120]) or mean([k for _, k in rss[:6]])
last_minute = mean([k for s, k in rss if s >= rss[-1][0] - 60])
errors = run["connect_errors"] + run["read_errors"] + run["write_errors"] + run["timeouts"] + run["non200"] + run["degraded"]
panics = int(open(f"{out}/panics.txt").read().strip() or 0)
flat = last_minute <= second_minute * 1.10 + 4096
summary = {
    "minutes": minutes, "connections": conns, "upstream_latency_ms": latency, "sessions": sessions,
    "requests": run["requests"], "req_per_s": round(run["requests"] / (run["duration_us"] / 1e6), 1),
    "p50_ms": run["p50_us"] / 1000, "p99_ms": run["p99_us"] / 1000, "errors": errors, "panics": panics,
    "rss_mib": {"min": round(min(k for _, k in rss) / 1024, 1), "max": round(max(k for _, k in rss) / 1024, 1),
                "second_minute_mean": round(second_minute / 1024, 1), "last_minute_mean": round(last_minute / 1024, 1)},
    "flat_memory": flat,
}
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
sys.exit(0 if errors == 0 and panics == 0 and flat else 1)
PY
