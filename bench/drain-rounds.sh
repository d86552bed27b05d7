#!/usr/bin/env bash
# Runs the streaming benchmark several times with one build and sums up the drain ratio PgMove / native.
# Each run of bench/drain-bench.sh measures the two contenders minutes apart, and on a shared machine the speed of the
# same work drifts by up to a third between runs: one run cannot tell whether a ratio near 1 is above or below it.
#
#   bench/drain-rounds.sh ROUNDS [SCALE] [SECONDS] [CLIENTS]     # the last three as for bench/drain-bench.sh
#
# Prints one line per run (tx/s of both, their ratio, the ratio from reading the slot) and then the median ratio and
# the ratio of the mean rates. Every run's full result goes to bench/results/drain-rounds-<time>/run-N.md.
# Environment: as bench/drain-bench.sh (PGMOVE_BIN skips the build here too).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/pgmove.sh
source bench/lib/pgmove.sh
usage="usage: $0 ROUNDS [SCALE] [SECONDS] [CLIENTS]"
ROUNDS=${1:-}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
shift

OUT=bench/results/drain-rounds-$(date -u +%Y%m%d-%H%M)
mkdir -p "$OUT"
BUILD=""
# On any exit: stop a build still running (publish_pgmove runs it in the background), then delete it.
trap 'kill $(jobs -p) 2>/dev/null; [[ -n $BUILD ]] && rm -rf "$BUILD"' EXIT
if [[ -z ${PGMOVE_BIN:-} ]]; then
  # One build for every round, published as the README installs it.
  BUILD=$(mktemp -d /tmp/pgmove-rounds-build.XXXXXX)
  pgmove_under_test "$BUILD" "$OUT/build.log" || exit 1
  export PGMOVE_BIN=$PGMOVE
  echo "pgmove: $PGMOVE_VERSION" | tee "$OUT/summary.txt"
fi

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS: bench/drain-bench.sh $*" >&2
  OUTPUT="$OUT/run-$round.md" bench/drain-bench.sh "$@" >"$OUT/run-$round.log" 2>&1 \
    || { tail -20 "$OUT/run-$round.log" >&2; echo "round $round failed; its log: $OUT/run-$round.log" >&2; exit 1; }
done

python3 - "$OUT" "$ROUNDS" <<'EOF' | tee -a "$OUT/summary.txt"
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def rate(text, contender):
    # Table row "| contender | backlog | drain | confirmed | **tx/s** | ...": the primary rate is the fifth cell.
    row = next(line for line in text.splitlines() if line.startswith(f"| {contender} |"))
    return float(row.split("|")[5].strip(" *"))
runs = []
for n in range(1, rounds + 1):
    text = open(f"{out}/run-{n}.md").read()
    pgmove, native = rate(text, "PgMove"), rate(text, "native subscription")
    slot = re.search(r"PgMove (\d+) tx/s, native (\d+) tx/s\.", text)
    from_slot = int(slot[1]) / int(slot[2]) if slot else float("nan")
    runs.append((pgmove, native))
    print(f"run {n}: PgMove {pgmove:.0f} tx/s, native {native:.0f} tx/s, ratio {pgmove / native:.2f} (from reading the slot {from_slot:.2f})")
ratios = [p / n for p, n in runs]
print(f"{rounds} runs: ratio PgMove / native {min(ratios):.2f}-{max(ratios):.2f}, median {statistics.median(ratios):.2f}, "
      f"by the mean rates {statistics.mean(p for p, _ in runs) / statistics.mean(n for _, n in runs):.2f}")
EOF
