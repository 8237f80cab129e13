#!/usr/bin/env bash
# What the tests need beyond npm and the Temporal binaries: installed when missing, started when stopped.
# Idempotent, and instant once done (npm test and .ci/run call it every time). One function per dependency.
#   postgres: Debian's PostgreSQL, and a throw-away cluster on a free loopback port for the PostgreSQL token-store
#             tests; its URL goes to .data-test/postgres.url (gitignored), which the tests read.
#   chromium: Debian's Chromium for the operator console's browser test (test/browser), driven by playwright-core
#             (CHROMIUM_PATH overrides /usr/bin/chromium).
#   docker_compose: Debian's docker-compose, with which scripts/check-compose.sh validates docker-compose.yml
#             (no Docker engine needed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STATE="$ROOT/.data-test"
mkdir -p "$STATE"

say() { printf 'install-test-deps: %s\n' "$*"; }
is_root() { [ "$(id -u)" -eq 0 ]; }

apt_install() {
  is_root || { say "not root: install the Debian packages $* yourself (apt-get install $*)"; return 1; }
  say "installing $* (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  }
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The newest installed PostgreSQL's server binaries (Debian keeps them out of PATH).
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

postgres() {
  local bin
  bin="$(pg_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    apt_install postgresql
    bin="$(pg_bin)"
  fi
  # initdb refuses to run as root: the cluster belongs to the postgres user then, in a folder of the temp dir
  # named after this checkout, so two checkouts on one machine get two clusters.
  local dir url_file port
  dir="${TMPDIR:-/tmp}/numberflow-test-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  url_file="$STATE/postgres.url"
  as_owner() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    if is_root; then chown postgres: "$dir"; fi
    say "creating a throw-away PostgreSQL cluster in $dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log"
  fi
  if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 && [ -f "$dir/port" ]; then
    port="$(cat "$dir/port")"
  else
    port="$(free_port)"
    # Loopback only, no durability (the data is thrown away), its socket in its own folder.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
    echo "$port" >"$dir/port"
  fi
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 10 || { say "PostgreSQL does not answer; see $dir/server.log"; return 1; }
  echo "postgres://postgres@127.0.0.1:$port/postgres" >"$url_file"
  say "PostgreSQL for the tests at $(cat "$url_file")"
}

# Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides the path the test uses).
chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$path" ]; then
    if ! command -v apt-get >/dev/null; then
      say "chromium is missing at $path and there is no apt-get: install Chromium and set CHROMIUM_PATH to it"
      return 1
    fi
    apt_install chromium
    [ -x "$path" ] || { say "apt-get installed chromium but $path is not there: set CHROMIUM_PATH"; return 1; }
  fi
  say "chromium: $path"
}

docker_compose() {
  command -v docker-compose >/dev/null || apt_install docker-compose
  say "docker-compose: $(command -v docker-compose)"
}

postgres
chromium
docker_compose
