#!/usr/bin/env bash
# Side by side (issue 18): the storefront's release build and the peer design of Authsignal's
# blog post "Managing Authenticators" (Express 5 + iron-session + @authsignal/node, in
# PEER_DIR, default ../shared/peer-express) against ONE standalone sandbox with injected
# latency, the same 64 enrolled customers (same Authsignal user ids), the same wrk settings
# (one session per connection), in one sitting: runs alternate storefront / peer.
# Also: the storefront's anonymous pages at one connection, and its peak RSS.
#
# Usage: bench/side_by_side.sh   → bench/results/side-by-side-<stamp>/{runs.jsonl,table.md}
# Environment: LATENCIES ("0 50"), CONNECTIONS ("1 64"), DURATION (10 s), REPEATS (3),
#              PEER_DIR, BENCH_RUST_LOG (info).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PEER_DIR="${PEER_DIR:-$ROOT/../shared/peer-express}"
LATENCIES="${LATENCIES:-0 50}"
CONNECTIONS="${CONNECTIONS:-1 64}"
DURATION="${DURATION:-10}"
REPEATS="${REPEATS:-3}"
BENCH_RUST_LOG="${BENCH_RUST_LOG:-info}"
SECRET="bench-secret"
OUT="$ROOT/bench/results/side-by-side-$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$(mktemp -d /tmp/side-by-side.XXXXXX)"
RUNS="$OUT/runs.jsonl"
mkdir -p "$OUT"
log() { printf '[side-by-side %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -d "$PEER_DIR" ]] || die "no peer at $PEER_DIR (set PEER_DIR)"
for tool in wrk sqlite3 curl node npm python3; do command -v "$tool" >/dev/null || die "$tool is required"; done
[[ -x target/release/storefront && -d target/site/pkg ]] || die "build first: cargo leptos build --release --precompress"
cargo build --release -p authsignal-sandbox --quiet

# The peer runs as its README says, from a copy (its node_modules stay out of PEER_DIR).
mkdir -p "$WORK/peer"
cp "$PEER_DIR"/package.json "$PEER_DIR"/package-lock.json "$PEER_DIR"/server.js "$WORK/peer/"
(cd "$WORK/peer" && npm ci --omit=dev --silent --no-audit --no-fund)

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; die "$1 did not answer"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_MS=$((1000 / $(getconf CLK_TCK)))
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

SB="http://127.0.0.1:$(port)"
RUST_LOG="$BENCH_RUST_LOG" target/release/authsignal-sandbox --addr "${SB#http://}" --secret-key "$SECRET" \
  --database-url "sqlite://$WORK/sandbox.db?mode=rwc" --enable-faults >"$WORK/sandbox.log" 2>&1 &
PIDS+=($!)
wait_http "$SB/_faults"

SF_PORT="$(port)"
SF="http://127.0.0.1:$SF_PORT"
start_storefront() {
  AUTHSIGNAL_SECRET_KEY="$SECRET" AUTHSIGNAL_API_URL="$SB/v1" STOREFRONT_SIGN_UPS_PER_IP=10000 \
    LEPTOS_SITE_ADDR="127.0.0.1:$SF_PORT" LEPTOS_SITE_ROOT=target/site STOREFRONT_BASE_URL="$SF" \
    DATABASE_URL="sqlite://$WORK/storefront.db?mode=rwc" STOREFRONT_DATA_DIR="$WORK/data" \
    RUST_LOG="$BENCH_RUST_LOG" target/release/storefront >>"$WORK/storefront.log" 2>&1 &
  SF_PID=$!
  PIDS+=("$SF_PID")
  wait_http "$SF/healthz"
}
start_storefront
python3 bench/setup_users.py --base "$SF" --sandbox "$SB" --secret "$SECRET" --db "$WORK/storefront.db" \
  --count 64 --out "$WORK" --tag side
SIGNUP_HWM_KB="$(status_kb "$SF_PID" VmHWM)"
SIGNUP_RSS_KB="$(status_kb "$SF_PID" VmRSS)"
# A fresh process for the views, as after a deploy; the sign-up burst's figures are kept above.
kill "$SF_PID"; wait "$SF_PID" 2>/dev/null || true
start_storefront

# First load of /account for an enrolled customer, as a browser fetches it (brotli).
python3 bench/transfer.py --base "$SF" --cookie "$(head -1 "$WORK/cookies-enrolled.txt")" \
  --out "$OUT/transfer.json" >"$OUT/transfer.txt"

PEER_PORT="$(port)"
PEER="http://127.0.0.1:$PEER_PORT"
(cd "$WORK/peer" && NODE_ENV=production PORT="$PEER_PORT" AUTHSIGNAL_API_URL="$SB/v1" \
  AUTHSIGNAL_SECRET="$SECRET" exec node server.js >"$WORK/peer.log" 2>&1) &
PEER_PID=$!
PIDS+=("$PEER_PID")
wait_http "$PEER/account"
# The node process itself (the subshell exec'd into it).
PEER_NODE_PID="$PEER_PID"

# The same customers on the peer: one iron-session cookie per Authsignal user id, in the
# order of the storefront's cookie file.
: >"$WORK/cookies-peer.txt"
while IFS= read -r id; do
  cookie="$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "{\"userId\":\"$id\"}" "$PEER/login" |
    tr -d '\r' | awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2}')"
  [[ -n "$cookie" ]] || die "the peer gave no session for $id"
  echo "$cookie" >>"$WORK/cookies-peer.txt"
done < <(sqlite3 "$WORK/storefront.db" "SELECT id FROM users WHERE email LIKE 'enrolled-%' ORDER BY rowid")
[[ "$(wc -l <"$WORK/cookies-peer.txt")" == 64 ]] || die "expected 64 peer sessions"
curl -sf -H "Cookie: $(head -1 "$WORK/cookies-peer.txt")" "$PEER/account" | grep -q "EMAIL_OTP" ||
  die "the peer's /account does not list the enrolled customer's authenticator"

# One wrk run against one server; appends a JSON line to runs.jsonl.
measure() { # server pid base cookies latency conns mode path
  local server=$1 pid=$2 base=$3 cookies=$4 latency=$5 conns=$6 mode=$7 path=${8:-}
  local c0 c1 out json
  c0="$(cpu_ticks "$pid")"
  out="$(BENCH_COOKIES="$cookies" BENCH_MODE="$mode" BENCH_PATH="$path" wrk -t "$conns" -c "$conns" \
    -d "${DURATION}s" --timeout 10s -s bench/wrk/session.lua "$base" 2>&1)" || die "wrk failed: $out"
  c1="$(cpu_ticks "$pid")"
  json="$(grep '^BENCH_JSON ' <<<"$out" | sed 's/^BENCH_JSON //' || true)"
  [[ -n "$json" ]] || die "no result from wrk: $out"
  python3 - "$json" "$server" "$latency" "$conns" "$(((c1 - c0) * TICK_MS))" "$path" "$(status_kb "$pid" VmHWM)" <<'PY' >>"$RUNS"
import json, sys
r = json.loads(sys.argv[1])
r.update(server=sys.argv[2], latency_ms=int(sys.argv[3]), connections=int(sys.argv[4]),
         cpu_ms=float(sys.argv[5]), path=sys.argv[6] or "/account", hwm_kb=int(sys.argv[7]))
print(json.dumps(r))
PY
}

for latency in $LATENCIES; do
  curl -sf -X PUT "$SB/_faults" -H 'content-type: application/json' \
    -d "{\"route\":\"*\",\"latencyMs\":$latency}" >/dev/null
  for conns in $CONNECTIONS; do
    log "upstream $latency ms, $conns connections"
    for server in storefront peer; do # warm-up, not recorded
      if [[ $server == storefront ]]; then base=$SF cookies=$WORK/cookies-enrolled.txt; else base=$PEER cookies=$WORK/cookies-peer.txt; fi
      BENCH_COOKIES="$cookies" BENCH_MODE=account wrk -t "$conns" -c "$conns" -d 2s -s bench/wrk/session.lua "$base" >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 "$REPEATS"); do
      measure storefront "$SF_PID" "$SF" "$WORK/cookies-enrolled.txt" "$latency" "$conns" account
      measure peer "$PEER_NODE_PID" "$PEER" "$WORK/cookies-peer.txt" "$latency" "$conns" account
    done
  done
done

log "the storefront's anonymous pages, one connection"
echo "" >"$WORK/no-cookie.txt"
for path in /healthz / /signin; do
  BENCH_COOKIES="$WORK/no-cookie.txt" BENCH_MODE=page BENCH_PATH="$path" wrk -t 1 -c 1 -d 2s -s bench/wrk/session.lua "$SF" >/dev/null 2>&1 || true
  for _ in $(seq 1 "$REPEATS"); do
    measure storefront "$SF_PID" "$SF" "$WORK/no-cookie.txt" 0 1 page "$path"
  done
done

{
  echo "sign-up burst (192 sign-ups, 2 at a time): storefront VmHWM ${SIGNUP_HWM_KB} kB, VmRSS after ${SIGNUP_RSS_KB} kB"
  echo "machine: $(nproc) cores, $(uname -r), load1 at end $(cut -d' ' -f1 /proc/loadavg)"
} >"$OUT/machine.txt"
python3 bench/side_by_side_report.py "$OUT" | tee "$OUT/table.md"
