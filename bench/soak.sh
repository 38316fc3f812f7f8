#!/usr/bin/env bash
# Bounded soak (issue 7): the release storefront against a standalone sandbox, 64 signed-in
# sessions on 64 connections, mixed traffic (3 /account views : 2 launches) for SOAK_MINUTES,
# sampling the storefront's RSS every 10 s. Passes when there are zero errors and memory is
# flat (last minute's mean RSS within 10 % + 4 MiB of the second minute's).
#
#   make soak                      # 10 minutes, SQLite sessions
#   SOAK_MINUTES=2 SOAK_REDIS_URL=redis://127.0.0.1:6379 make soak
#
# Environment: SOAK_MINUTES (10), CONNECTIONS (64), UPSTREAM_LATENCY_MS (0), SOAK_REDIS_URL
# (unset = sessions in SQLite), RESULTS_DIR (bench/results/soak-<UTC>), SKIP_BUILD=1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

MINUTES="${SOAK_MINUTES:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
LATENCY="${UPSTREAM_LATENCY_MS:-0}"
SECRET="soak-secret"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="${RESULTS_DIR:-$ROOT/bench/results/soak-$STAMP}"
WORK="$(mktemp -d /tmp/storefront-soak.XXXXXX)"
mkdir -p "$RESULTS_DIR" "$WORK/data"
log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk curl >/dev/null; }
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  [[ -x target/release/storefront && -n "$(ls target/site/pkg/*.wasm 2>/dev/null)" ]] || cargo leptos build --release --precompress
  cargo build --release -p authsignal-sandbox --quiet
fi

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { local deadline=$((SECONDS + $2)); until curl -s -o /dev/null "$1"; do ((SECONDS < deadline)) || die "$1 did not answer"; sleep 0.2; done; }
rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }

SB_PORT="$(free_port)"; SF_PORT="$(free_port)"
SANDBOX="http://127.0.0.1:$SB_PORT"; BASE="http://127.0.0.1:$SF_PORT"
RUST_LOG=warn target/release/authsignal-sandbox --addr "127.0.0.1:$SB_PORT" --secret-key "$SECRET" \
  --database-url "sqlite://$WORK/sandbox.db?mode=rwc" --enable-faults >"$WORK/sandbox.log" 2>&1 &
PIDS+=($!)
wait_http "$SANDBOX/_faults" 30
start_storefront() {
  AUTHSIGNAL_SECRET_KEY="$SECRET" AUTHSIGNAL_API_URL="$SANDBOX/v1" STOREFRONT_SIGN_UPS_PER_IP=10000 LEPTOS_SITE_ADDR="127.0.0.1:$SF_PORT" \
    LEPTOS_SITE_ROOT=target/site STOREFRONT_BASE_URL="$BASE" DATABASE_URL="sqlite://$WORK/storefront.db?mode=rwc" \
    STOREFRONT_DATA_DIR="$WORK/data" REDIS_URL="${SOAK_REDIS_URL:-}" RUST_LOG=warn \
    target/release/storefront >>"$WORK/storefront.log" 2>&1 &
  SF_PID=$!
  PIDS+=("$SF_PID")
  wait_http "$BASE/healthz" 60
}
start_storefront
python3 bench/setup_users.py --base "$BASE" --sandbox "$SANDBOX" --secret "$SECRET" \
  --db "$WORK/storefront.db" --count "$CONNECTIONS" --out "$WORK" --tag soak
# Restart so the sign-ups' password hashing is not in the memory figures (sessions persist).
kill "$SF_PID"; wait "$SF_PID" 2>/dev/null || true
start_storefront
((LATENCY > 0)) && curl -sf -X PUT "$SANDBOX/_faults" -H 'content-type: application/json' -d "{\"route\":\"*\",\"latencyMs\":$LATENCY}" >/dev/null

log "storefront pid $SF_PID, $CONNECTIONS connections, ${MINUTES} min, upstream +${LATENCY} ms"
echo "seconds,rss_kb" >"$RESULTS_DIR/rss.csv"
( start=$SECONDS; while kill -0 "$SF_PID" 2>/dev/null; do echo "$((SECONDS - start)),$(rss_kb "$SF_PID")" >>"$RESULTS_DIR/rss.csv"; sleep 10; done ) &
SAMPLER=$!
BENCH_COOKIES="$WORK/cookies-launch.txt" BENCH_MODE=mixed wrk -t "$CONNECTIONS" -c "$CONNECTIONS" -d "${MINUTES}m" \
  --timeout 10s -s bench/wrk/session.lua "$BASE" >"$RESULTS_DIR/wrk.txt" 2>&1 || die "wrk failed: $(tail -5 "$RESULTS_DIR/wrk.txt")"
kill "$SAMPLER" 2>/dev/null || true
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
