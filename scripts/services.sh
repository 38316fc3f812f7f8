#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 for the scale-out tests
# (tests/integration/storage.rs, sessions.rs). Already running: nothing is touched.
# Missing: installed from Debian's packages and started. Safe to run again and again.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

if pg_up; then
  log "PostgreSQL is running on 127.0.0.1:5432"
else
  if ! command -v pg_ctlcluster >/dev/null; then
    log "installing PostgreSQL (Debian package)"
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # The tests connect as postgres over TCP without a password, as on the machines here.
  if ! as_root grep -q "storefront tests" "$hba"; then
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust # storefront tests' "$hba"
  fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster "$version" main start || as_root pg_ctlcluster "$version" main reload
  for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  pg_up || { log "PostgreSQL did not come up"; exit 1; }
fi

if redis_up; then
  log "Redis is running on 127.0.0.1:6379"
else
  if ! command -v redis-server >/dev/null; then
    log "installing Redis (Debian package)"
    apt_install redis-server
  fi
  log "starting Redis (nothing kept on disk)"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  redis_up || { log "Redis did not come up"; exit 1; }
fi
