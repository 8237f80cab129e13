#!/usr/bin/env bash
# What the tests need beyond npm and the Temporal binaries (scripts/install-temporal.sh): Chromium, for the
# operator console's browser test (test/browser), driven by playwright-core. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'install-test-deps: %s\n' "$*"; }

# Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides the path the test uses).
install_chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$path" ]; then
    say "chromium: $path"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "chromium is missing at $path and this is not root: run 'sudo apt-get install -y chromium', or set CHROMIUM_PATH to a Chromium or Chrome binary"
    return 1
  fi
  if ! command -v apt-get >/dev/null; then
    say "chromium is missing at $path and there is no apt-get: install Chromium and set CHROMIUM_PATH to it"
    return 1
  fi
  say "installing chromium with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$path" ] || { say "apt-get installed chromium but $path is not there: set CHROMIUM_PATH"; return 1; }
  say "chromium: $path"
}

install_chromium
