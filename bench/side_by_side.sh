#!/usr/bin/env bash
# Side by side with the peer: the storefront's release build and the peer design of Authsignal's
# blog post "Managing Authenticators" (Express 5 + iron-session + @authsignal/node, in
# PEER_DIR, default ../shared/peer-express) against ONE standalone sandbox with injected
# latency, the same 64 enrolled customers (same Authsignal user ids), the same wrk settings
# (one session per connection), in one sitting: runs alternate storefront / peer.
# Also: the storefront's anonymous pages at one connection, and its peak RSS. This is the one
# side-by-side script; `make bench` (bench/run.sh) measures the storefront alone, in more
# scenarios, with upstream calls and sandbox CPU per run.
#
# Usage: bench/side_by_side.sh   → bench/results/side-by-side-<stamp>/{runs.jsonl,table.md}
# Environment: LATENCIES ("0 50"), CONNECTIONS ("1 64"), DURATION (10 s), REPEATS (3),
#              PEER_DIR, BENCH_RUST_LOG (info); STOREFRONT_BIN, SANDBOX_BIN (see lib.sh).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BENCH_TAG=side-by-side
PEER_DIR="${PEER_DIR:-$ROOT/../shared/peer-express}"
LATENCIES="${LATENCIES:-0 50}"
CONNECTIONS="${CONNECTIONS:-1 64}"
DURATION="${DURATION:-10}"
REPEATS="${REPEATS:-3}"
BENCH_RUST_LOG="${BENCH_RUST_LOG:-info}"
SECRET="bench-secret"
OUT="$ROOT/bench/results/side-by-side-$(date -u +%Y%m%dT%H%M%SZ)"
make_work side-by-side
RUNS="$OUT/runs.jsonl"
mkdir -p "$OUT"

[[ -d "$PEER_DIR" ]] || die "no peer at $PEER_DIR (set PEER_DIR)"
need_tools wrk sqlite3 curl node npm python3 brotli
release_built || die "build first: cargo leptos build --release --precompress"
build_sandbox

# The peer runs as its README says, from a copy (its node_modules stay out of PEER_DIR).
mkdir -p "$WORK/peer"
cp "$PEER_DIR"/package.json "$PEER_DIR"/package-lock.json "$PEER_DIR"/server.js "$WORK/peer/"
(cd "$WORK/peer" && npm ci --omit=dev --silent --no-audit --no-fund)

start_sandbox "$WORK" "$BENCH_RUST_LOG"
start_storefront "$WORK" "$(free_port)" "$BENCH_RUST_LOG"
SF="$BASE"
setup_users "$WORK" 64 side
SIGNUP_HWM_KB="$(peak_rss_kb "$SF_PID")"
SIGNUP_RSS_KB="$(rss_kb "$SF_PID")"
# A fresh process for the views, as after a deploy; the sign-up burst's figures are kept above.
restart_storefront

# First load of /account for an enrolled customer, as a browser fetches it (brotli).
python3 bench/transfer.py --base "$SF" --cookie "$(head -1 "$WORK/cookies-enrolled.txt")" \
  --out "$OUT/transfer.json" >"$OUT/transfer.txt"

PEER_PORT="$(free_port)"
PEER="http://127.0.0.1:$PEER_PORT"
(cd "$WORK/peer" && NODE_ENV=production PORT="$PEER_PORT" AUTHSIGNAL_API_URL="$SANDBOX/v1" \
  AUTHSIGNAL_SECRET="$SECRET" exec node server.js >"$WORK/peer.log" 2>&1) &
PEER_PID=$!
track "$PEER_PID"
wait_http "$PEER/account" 60
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
  out="$(wrk_session "$conns" "${DURATION}s" "$base" "$cookies" "$mode" "$path" 2>&1)" || die "wrk failed: $out"
  c1="$(cpu_ticks "$pid")"
  json="$(bench_json <<<"$out")"
  [[ -n "$json" ]] || die "no result from wrk: $out"
  python3 - "$json" "$server" "$latency" "$conns" "$(ticks_ms $((c1 - c0)))" "$path" "$(peak_rss_kb "$pid")" <<'PY' >>"$RUNS"
import json, sys
r = json.loads(sys.argv[1])
r.update(server=sys.argv[2], latency_ms=int(sys.argv[3]), connections=int(sys.argv[4]),
         cpu_ms=float(sys.argv[5]), path=sys.argv[6] or "/account", hwm_kb=int(sys.argv[7]))
print(json.dumps(r))
PY
}

for latency in $LATENCIES; do
  set_upstream_latency "$latency"
  for conns in $CONNECTIONS; do
    log "upstream $latency ms, $conns connections"
    for server in storefront peer; do # warm-up, not recorded
      if [[ $server == storefront ]]; then base=$SF cookies=$WORK/cookies-enrolled.txt; else base=$PEER cookies=$WORK/cookies-peer.txt; fi
      warm_up "$conns" "$base" "$cookies" account
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
  warm_up 1 "$SF" "$WORK/no-cookie.txt" page "$path"
  for _ in $(seq 1 "$REPEATS"); do
    measure storefront "$SF_PID" "$SF" "$WORK/no-cookie.txt" 0 1 page "$path"
  done
done

{
  echo "sign-up burst (192 sign-ups, 2 at a time): storefront VmHWM ${SIGNUP_HWM_KB} kB, VmRSS after ${SIGNUP_RSS_KB} kB"
  echo "machine: $(nproc) cores, $(uname -r), load1 at end $(load1)"
} >"$OUT/machine.txt"
python3 bench/side_by_side_report.py "$OUT" | tee "$OUT/table.md"
