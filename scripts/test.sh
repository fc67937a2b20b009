#!/usr/bin/env bash
# Installs what the tests need on a fresh machine and runs them: type check,
# then the whole vitest suite against a private redis-server and local
# Okta, Graph and SCIM servers. Used by .ci/run and named in the README.
set -euo pipefail
cd "$(dirname "$0")/.."

install_debian_package() {
  local command_name=$1 package=$2
  command -v "$command_name" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: $command_name is missing. Install the Debian package $package (sudo apt-get install $package) and run again." >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

# Tests start their own redis-server; the report and dashboard tests drive Chromium.
install_debian_package redis-server redis-server
install_debian_package chromium chromium
install_debian_package openssl openssl

npm ci --no-audit --no-fund
npx tsc -p tsconfig.json --noEmit

mkdir -p test-output
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json || status=$?

# One plain closing line that any CI can read, whatever vitest prints above it.
node -e '
  const result = require("./test-output/vitest.json");
  console.log(`tests: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${result.numPendingTests + result.numTodoTests} skipped`);
' || true
exit "$status"
