#!/usr/bin/env bash
# Checks docker-compose.yml on a machine without a Docker engine (.ci/run runs it): docker-compose parses and resolves
# it, with .env.example standing in for the uncommitted .env, and every variable it gives numberflow's containers (and
# every key of .env.example) must be one src/config.ts knows. docker-compose comes from scripts/install-test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v docker-compose >/dev/null || {
  echo 'check-compose: docker-compose is missing; install it with: bash scripts/install-test-deps.sh' >&2
  exit 1
}
# A copy beside .env.example as .env: the real .env holds secrets and is never committed (nor read here).
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp docker-compose.yml "$work/docker-compose.yml"
cp .env.example "$work/.env"
docker-compose --project-directory "$work" -f "$work/docker-compose.yml" config -q
docker-compose --project-directory "$work" -f "$work/docker-compose.yml" config >"$work/resolved.yml"
npx tsx scripts/compose-variables.ts .env.example <"$work/resolved.yml"
echo 'check-compose: docker-compose.yml is valid'
