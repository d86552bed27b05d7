#!/usr/bin/env bash
# Installs what the tests need, then runs every test: unit tests and integration tests on real
# PostgreSQL clusters (14 to 18) started on loopback ports. Prints 'tests: N passed, N failed, N skipped'.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --for tests

# Whatever happens, no server started by this run keeps running. Each test process keeps its servers under
# /tmp/pgmove-tests/run-<its pid>: stop the servers of runs whose process is gone (this one's, once it has ended),
# and leave alone those of a test process still running beside us (a soak, another checkout's tests).
cleanup() {
  local run pid postmaster
  for run in /tmp/pgmove-tests/run-*; do
    [[ -d $run ]] || continue
    pid=${run##*/run-}
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
    while read -r postmaster; do
      [[ $postmaster =~ ^[0-9]+$ ]] && { kill -QUIT "$postmaster" 2>/dev/null || true; }
    done < <(find "$run" -name postmaster.pid -exec head -n 1 {} \; 2>/dev/null)
  done
  true
}
trap cleanup EXIT

dotnet build PgMove.slnx -c Release -nologo -v quiet -warnaserror
# The tests that run pgmove as a child process (crash, memory, service, secrets) run the native program the README
# installs, not the plain build: that is what users run.
installed=$(mktemp -d /tmp/pgmove-installed.XXXXXX)
trap 'cleanup; rm -rf "$installed"' EXIT
dotnet publish src/PgMove.Cli -c Release --ucr -o "$installed" -nologo -v quiet
export PGMOVE_EXE=$installed/pgmove
log=$(mktemp)
set +e
dotnet test PgMove.slnx -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

summary=$(grep -E '(Passed|Failed)!' "$log" | tail -1 || true)
passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$summary")
rm -f "$log"
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
# A passing test process removed its own folder; a failing one kept its servers' folders (data, server log) there.
cleanup
kept=()
alive=false
for run in /tmp/pgmove-tests/run-*; do
  [[ -d $run ]] || continue
  if kill -0 "${run##*/run-}" 2>/dev/null; then alive=true; else kept+=("$run"); fi
done
if [[ $status -eq 0 ]]; then
  # Not while another run works in it, nor through a tmpfs a fault test left mounted there.
  if ! $alive && ! grep -q ' /tmp/pgmove-tests' /proc/mounts; then rm -rf /tmp/pgmove-tests; fi
else
  for run in "${kept[@]}"; do echo "test.sh: kept for debugging (the next test run removes it): $run"; done
fi
if [[ -z "$summary" || "${passed:-0}" == 0 ]]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
