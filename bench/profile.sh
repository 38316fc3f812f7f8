#!/usr/bin/env bash
# Where the time goes: one `perf record` of the release storefront while wrk drives
# GET /account (enrolled) at 64 connections against a 0 ms sandbox. Not part of `make bench`.
# Usage: bench/profile.sh [seconds]   → bench/results/profile-<mode>-<stamp>.txt
# Environment: BENCH_MODE (account; a bench/wrk/session.lua mode), POOL (enrolled; the cookie
#              pool: enrolled, not-enrolled, launch); STOREFRONT_BIN, SANDBOX_BIN (see lib.sh).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_TAG=profile
SECS="${1:-10}"
MODE="${BENCH_MODE:-account}"
POOL="${POOL:-enrolled}"
SECRET=k
make_work storefront-profile
OUT="$ROOT/bench/results/profile-$MODE-$(date -u +%Y%m%dT%H%M%SZ).txt"
mkdir -p "$ROOT/bench/results"
start_sandbox "$WORK"
start_storefront "$WORK" "$(free_port)"
setup_users "$WORK" 64 profile
# Per-request breakdown at 1 connection: one upstream call straight to the sandbox vs the
# whole page, with 0 and 50 ms added latency (medians of 30 sequential curl requests).
median_ms() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", 1000 * a[int((NR+1)/2)]}'; }
COOKIE="$(head -1 "$WORK/cookies-$POOL.txt")"
UID_="$(sqlite3 "$WORK/storefront.db" "select id from users where email like 'enrolled-0-%'")"
BREAKDOWN=""
for lat in 0 50; do
  set_upstream_latency "$lat"
  up="$(for _ in $(seq 30); do curl -s -o /dev/null -w '%{time_total}\n' -u "$SECRET:" "$SANDBOX/v1/users/$UID_"; done | median_ms)"
  page="$(for _ in $(seq 30); do curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $COOKIE" "$BASE/account"; done | median_ms)"
  BREAKDOWN+="upstream latency $lat ms: one getUser straight to the sandbox ${up} ms; GET /account ${page} ms"$'\n'
done
clear_faults
warm_up 64 "$BASE" "$WORK/cookies-$POOL.txt" "$MODE"
perf record -e cpu-clock -F 999 -o "$WORK/perf.data" -p "$SF_PID" -- sleep "$SECS" >/dev/null 2>&1 &
PERF_PID=$!
wrk_session 64 "${SECS}s" "$BASE" "$WORK/cookies-$POOL.txt" "$MODE" | tail -1
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
