#!/usr/bin/env bash
# Runs FinGuard's whole test suite on a fresh machine:
#   installs the npm dev dependencies (Azurite, GitHub's webhook examples and OpenAPI description),
#   restores and builds the solution with warnings as errors, then runs every test project.
# Azurite (the real Azure Storage emulator) is started and stopped by the test fixtures themselves.
# Ends with the failing tests (name, file:line, message) and the line "N passed, N failed" summed over all test
# projects; the full console output is in artifacts/test-results/dotnet-test.log.
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

echo "== dotnet test (full console output: $results/dotnet-test.log)"
# The suite's servers log expected errors (forged signatures, injected faults) with stack traces; they go to the log
# file, and the console keeps each project's summary and, at the end, the failing tests with their file:line.
status=0
dotnet test FinGuard.sln --no-build -c Release \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  >"$results/dotnet-test.log" 2>&1 || status=$?
grep -E '^(Passed|Failed)!' "$results/dotnet-test.log" || true

if ! ls "$results"/*.trx >/dev/null 2>&1; then
  tail -n 50 "$results/dotnet-test.log" >&2
  echo "no test results were found in $results" >&2
  echo "0 passed, 0 failed"
  exit 1
fi

if command -v python3 >/dev/null; then
  python3 tests/summarize-results.py "$results"
else
  passed=0
  failed=0
  for trx in "$results"/*.trx; do
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
  done
  echo "${passed} passed, ${failed} failed"
fi
exit "$status"
