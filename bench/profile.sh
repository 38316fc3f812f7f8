#!/usr/bin/env bash
# Where the time goes: one `perf record` of the release storefront while wrk drives
# GET /account (enrolled) at 64 connections against a 0 ms sandbox. Not part of `make bench`.
# Usage: bench/profile.sh [seconds]   → bench/results/profile-<stamp>.txt
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECS="${1:-10}"
MODE="${BENCH_MODE:-account}"
POOL="${POOL:-enrolled}"
WORK="$(mktemp -d /tmp/storefront-profile.XXXXXX)"
OUT="$ROOT/bench/results/profile-$MODE-$(date -u +%Y%m%dT%H%M%SZ).txt"
mkdir -p "$ROOT/bench/results"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SB="$(port)"; SF="$(port)"
target/release/authsignal-sandbox --addr "127.0.0.1:$SB" --secret-key k \
  --database-url "sqlite://$WORK/sandbox.db?mode=rwc" --enable-faults >"$WORK/sb.log" 2>&1 &
SB_PID=$!
AUTHSIGNAL_SECRET_KEY=k STOREFRONT_SIGN_UPS_PER_IP=10000 AUTHSIGNAL_API_URL="http://127.0.0.1:$SB/v1" LEPTOS_SITE_ADDR="127.0.0.1:$SF" \
  LEPTOS_SITE_ROOT=target/site STOREFRONT_BASE_URL="http://127.0.0.1:$SF" \
  DATABASE_URL="sqlite://$WORK/sf.db?mode=rwc" STOREFRONT_DATA_DIR="$WORK" target/release/storefront >"$WORK/sf.log" 2>&1 &
SF_PID=$!
trap 'kill $SF_PID $SB_PID 2>/dev/null; wait $SF_PID $SB_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$SF/" && break; sleep 0.2; done
python3 bench/setup_users.py --base "http://127.0.0.1:$SF" --sandbox "http://127.0.0.1:$SB" --secret k \
  --db "$WORK/sf.db" --count 64 --out "$WORK" --tag profile
# Per-request breakdown at 1 connection: one upstream call straight to the sandbox vs the
# whole page, with 0 and 50 ms added latency (medians of 30 sequential curl requests).
median_ms() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", 1000 * a[int((NR+1)/2)]}'; }
COOKIE="$(head -1 "$WORK/cookies-$POOL.txt")"
UID_="$(sqlite3 "$WORK/sf.db" "select id from users where email like 'enrolled-0-%'")"
BREAKDOWN=""
for lat in 0 50; do
  curl -s -X PUT "http://127.0.0.1:$SB/_faults" -H 'content-type: application/json' -d "{\"route\":\"*\",\"latencyMs\":$lat}" >/dev/null
  up="$(for _ in $(seq 30); do curl -s -o /dev/null -w '%{time_total}\n' -u k: "http://127.0.0.1:$SB/v1/users/$UID_"; done | median_ms)"
  page="$(for _ in $(seq 30); do curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" "http://127.0.0.1:$SF/account"; done | median_ms)"
  BREAKDOWN+="upstream latency $lat ms: one getUser straight to the sandbox ${up} ms; GET /account ${page} ms"$'\n'
done
curl -s -X DELETE "http://127.0.0.1:$SB/_faults" >/dev/null
BENCH_COOKIES="$WORK/cookies-$POOL.txt" BENCH_MODE="$MODE" wrk -t 64 -c 64 -d 2s -s bench/wrk/session.lua "http://127.0.0.1:$SF" >/dev/null
perf record -e cpu-clock -F 999 -o "$WORK/perf.data" -p "$SF_PID" -- sleep "$SECS" >/dev/null 2>&1 &
PERF_PID=$!
BENCH_COOKIES="$WORK/cookies-$POOL.txt" BENCH_MODE="$MODE" wrk -t 64 -c 64 -d "${SECS}s" -s bench/wrk/session.lua "http://127.0.0.1:$SF" | tail -1
wait "$PERF_PID" || true
{
  echo "# breakdown (1 connection, medians of 30)"
  printf '%s' "$BREAKDOWN"
  echo
  echo "# perf of the storefront, $MODE ($POOL), 64 connections, 0 ms upstream, ${SECS}s"
  perf report -i "$WORK/perf.data" --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | sed 's/ *$//' | head -12
  echo
  echo "# grouped by subsystem (bench/perf_groups.py)"
  perf report -i "$WORK/perf.data" --sort dso,symbol --stdio 2>/dev/null | python3 "$ROOT/bench/perf_groups.py"
  echo
  perf report -i "$WORK/perf.data" --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | sed 's/ *$//' | cut -c1-160 | head -70
} >"$OUT"
echo "$OUT"
