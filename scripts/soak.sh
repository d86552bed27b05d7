#!/usr/bin/env bash
# Soak test: migration after migration under seeded random faults (kill -9 of pgmove in every phase, connections
# dropped, stalled and half-closed by a proxy on either side, fast and immediate restarts of either server),
# each cut over (sometimes killed mid-cutover and cut over again) and verified: pgmove verify, an independent
# row comparison, and no slot or publication left on the source. Prints the faults by kind and the migrations verified.
#   scripts/soak.sh [--minutes N] [--seed S] [--report FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30
seed=$(date +%s)
report=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--minutes N] [--seed S] [--report FILE]" >&2; exit 2 ;;
  esac
done
report=${report:-$(mktemp -t pgmove-soak-XXXXXX.txt)}

scripts/install-deps.sh >/dev/null
dotnet build PgMove.slnx -c Release -nologo -v quiet -warnaserror

echo "soak: ${minutes} min, seed ${seed}, report ${report}"
set +e
PGMOVE_SOAK_MINUTES=$minutes PGMOVE_SOAK_SEED=$seed PGMOVE_SOAK_REPORT=$report \
  dotnet test tests/PgMove.Tests -c Release --no-build -nologo \
  --filter "FullyQualifiedName~FaultInjectionTests.Soak_" --logger "console;verbosity=normal" > "${report%.txt}.log" 2>&1
status=$?
set -e
cat "$report" 2>/dev/null || echo "soak: no report written (see ${report%.txt}.log)"
if [[ $status -ne 0 ]]; then
  echo "soak: FAILED (exit $status); test log: ${report%.txt}.log" >&2
else
  echo "soak: passed; test log: ${report%.txt}.log"
fi
exit $status
