#!/usr/bin/env bash
# What the checks need beyond npm and the Temporal binaries (scripts/install-temporal.sh), installed when missing.
# Idempotent and instant once done. One function per dependency:
#   docker_compose: Debian's docker-compose, with which scripts/check-compose.sh validates docker-compose.yml
#                   (no Docker engine needed).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'install-test-deps: %s\n' "$*"; }

docker_compose() {
  if command -v docker-compose >/dev/null; then
    say "docker-compose: $(command -v docker-compose)"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "docker-compose is missing and cannot be installed here (needs root and apt-get): apt-get install -y docker-compose"
    return 1
  fi
  say 'installing docker-compose (apt-get)'
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  }
  say "docker-compose: $(command -v docker-compose)"
}

docker_compose
