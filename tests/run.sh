#!/usr/bin/env bash
# Runs FinGuard's whole test suite on a fresh machine:
#   installs the npm dev dependencies (Azurite, GitHub's webhook examples and OpenAPI description),
#   restores and builds the solution with warnings as errors, then runs every test project.
# Azurite (the real Azure Storage emulator) is started and stopped by the test fixtures themselves.
# Ends with the line "N passed, N failed" summed over all test projects.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "== chromium (headless browser for the /setup page test)"
command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) \
  || echo "warning: could not install chromium; tests/FinGuard.Tests/Setup/SetupPageChromiumTests will fail" >&2

echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "== dotnet restore"
dotnet restore FinGuard.sln

echo "== dotnet build"
dotnet build FinGuard.sln --no-restore -c Release

results="$(pwd)/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

echo "== dotnet test"
status=0
dotnet test FinGuard.sln --no-build -c Release \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "no test results were found in $results" >&2
  status=1
fi

echo "${passed} passed, ${failed} failed"
exit "$status"
