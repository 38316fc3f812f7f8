#!/usr/bin/env bash
# Runs the official Node and Python Authsignal SDKs, unchanged, against a freshly built
# sandbox on a free port with a temporary database and faults enabled.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
secret="sdk-tests-secret"

# SANDBOX_BIN: a sandbox binary already built (scripts/test.sh passes the test build's).
sandbox_bin="${SANDBOX_BIN:-}"
if [[ -z "$sandbox_bin" ]]; then
  echo "==> building the sandbox"
  (cd "$repo" && CARGO_TARGET_DIR="$target_dir" cargo build --quiet -p authsignal-sandbox)
  sandbox_bin="$target_dir/debug/authsignal-sandbox"
fi

# Two free ports at once (so they differ): the sandbox's, and the SDK tests' webhook receiver's.
read -r port webhook_port < <(python3 -c 'import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks: s.close()')
tmp="$(mktemp -d)"
sandbox_url="http://127.0.0.1:${port}"

"$sandbox_bin" --addr "127.0.0.1:${port}" --secret-key "$secret" \
  --database-url "sqlite://${tmp}/sandbox.db?mode=rwc" --enable-faults \
  --webhook-url "http://127.0.0.1:${webhook_port}/authsignal-webhook" >"$tmp/sandbox.log" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  kill "$sandbox_pid" 2>/dev/null || true
  wait "$sandbox_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap stop_sandbox EXIT

# Wait until it answers (the outbox needs no credentials).
for _ in $(seq 1 100); do
  if curl -fsS "$sandbox_url/outbox/messages" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$sandbox_pid" 2>/dev/null; then cat "$tmp/sandbox.log"; exit 1; fi
  sleep 0.1
done

echo "==> installing SDK test dependencies"
(
  cd "$here/node"
  # npm ci only when node_modules wasn't installed from this exact lock file.
  lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ "$(cat node_modules/.sdk-tests-lock 2>/dev/null)" != "$lock_sum" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" >node_modules/.sdk-tests-lock
  fi
)
(
  cd "$here/python"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
)

status=0
echo "==> @authsignal/node against $sandbox_url"
(cd "$here/node" && SANDBOX_URL="$sandbox_url" SANDBOX_SECRET_KEY="$secret" SANDBOX_WEBHOOK_PORT="$webhook_port" node --test) || status=1
# The PyPI SDK (4.1.0, the newest published) has no webhook verification: only Node checks them.
echo "==> authsignal (PyPI) against $sandbox_url"
(cd "$here/python" && SANDBOX_URL="$sandbox_url" SANDBOX_SECRET_KEY="$secret" .venv/bin/python -m pytest -q -p no:cacheprovider) || status=1

if [ "$status" -ne 0 ]; then
  echo "==> sandbox log"; tail -n 50 "$tmp/sandbox.log"
fi
exit "$status"
