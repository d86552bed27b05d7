#!/usr/bin/env bash
# Replays ONE saved replication backlog to several contenders, in interleaved rounds: the low-noise way to compare
# PgMove with a native subscription (or two builds of PgMove) on this shared 2-core machine, where the same work
# costs up to 30 % more CPU from one minute to the next and drain-bench.sh's single pair of runs cannot settle a
# ratio near 1.
#
#   bench/drain-replay.sh [ROUNDS] [SCALE] [SECONDS] [CLIENTS]     # defaults: 5 rounds, scale 10, 60 s, 4 clients
#
# Set-up, once: a PostgreSQL 15 source and a PostgreSQL 17 target on loopback (drain-bench.sh's settings), pgbench -i
# into database bench (pgbench_history with a bigserial primary key); then every contender is brought to streaming:
# PgMove (`pgmove start --ignore-db postgres` until syncing, then detached with SIGTERM), a native subscription
# (schema into bench_native, publication, CREATE SUBSCRIPTION with copy_data until every table is ready, then
# DISABLE), and a plain pgoutput slot for pg_recvlogical. One `pgbench -c CLIENTS -T SECONDS` then builds the same
# backlog in every slot; both servers are shut down cleanly and their data directories (and PgMove's state file)
# saved.
# Each round restores that snapshot once per contender (the order rotates from round to round), starts both
# servers, CHECKPOINTs them, and times the contender from its launch until its slot's confirmed_flush_lsn on the
# source passes the backlog's end: the same criterion for all (durable on the target and acknowledged). PgMove:
# `pgmove start` resumes; native: ALTER SUBSCRIPTION … ENABLE; recvlogical: pg_recvlogical into /dev/null (the
# walsender's own speed, a ceiling for any consumer). Also recorded: when the slot became active, and the CPU time
# of every process during the drain.
#
# Environment:
#   PGMOVE_BIN=<path>             use this pgmove (a published program, or a pgmove.dll) instead of building the
#                                 work tree
#   PGMOVE_B_BIN=<path>           a second PgMove build as a fourth contender, "pgmove-b" (A/B of a change);
#                                 PGMOVE_B_VERSION=<text> says in the report what it is (a commit, say)
#   CONTENDERS="pgmove native recvlogical"   which contenders run, in the first round's order
#   PGMOVE_LOG=debug|information  pgmove's own log (JSON lines) of each run, kept with KEEP_LOGS
#   SNAPSHOT=<dir>                keep the saved snapshot in <dir>, or reuse the one already there (same SCALE,
#                                 SECONDS, CLIENTS; its ports must be free): set-up once, then compare builds quickly
#   OUTPUT=<file>                 also write the markdown result there
#   KEEP_LOGS=<dir>               copy the logs there before the temporary directory is deleted
#   PERF_DIR=<dir>                profile every drain, all processes: perf record -a -g into <dir>/WHO-ROUND.data;
#                                 `perf report -i FILE --sort comm,dso` then shows where the CPU went (a pgmove.dll
#                                 build writes /tmp/perf-PID.map for its JIT code). perf costs CPU: times are off.
# Needs root, Debian's PostgreSQL 15 and PostgreSQL 17 in /var/cache/pgmove/postgres/17 (scripts/install-deps.sh).
# Everything it starts is stopped, and its directory deleted, on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/common.sh
source bench/lib/common.sh
# shellcheck source=bench/lib/pgmove.sh
source bench/lib/pgmove.sh

ROUNDS=${1:-5}
SCALE=${2:-10}
DURATION=${3:-60}
CLIENTS=${4:-4}
CONTENDERS=${CONTENDERS:-pgmove native recvlogical}
[[ -n ${PGMOVE_B_BIN:-} && " $CONTENDERS " != *" pgmove-b "* ]] && CONTENDERS+=" pgmove-b"
usage="usage: $0 [ROUNDS] [SCALE] [SECONDS] [CLIENTS]"
for n in "$ROUNDS" "$SCALE" "$DURATION" "$CLIENTS"; do [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || { echo "$usage" >&2; exit 2; }; done
for c in $CONTENDERS; do [[ $c =~ ^(pgmove|pgmove-b|native|recvlogical)$ ]] || { echo "unknown contender $c" >&2; exit 2; }; done
[[ " $CONTENDERS " == *" pgmove-b "* && -z ${PGMOVE_B_BIN:-} ]] && { echo "contender pgmove-b needs PGMOVE_B_BIN" >&2; exit 2; }

PG15=/usr/lib/postgresql/15/bin
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"
PG17=$CACHE/17/bin
PG17LIB=$CACHE/17/lib
[[ -x $PG15/postgres && -x $PG15/pgbench && -x $PG15/pg_dump && -x $PG15/pg_recvlogical ]] || { echo "Debian's PostgreSQL 15 is missing: run scripts/install-deps.sh" >&2; exit 1; }
[[ -x $PG17/postgres ]] || { echo "PostgreSQL 17 is missing in $CACHE/17: run scripts/install-deps.sh" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (the servers run as the postgres OS user)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/pgmove-replay.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
STATE=$WORK/state.db

stop_server() { # name: immediate shutdown, waits until the postmaster is gone
  local data="$WORK/$1/data" pm
  [[ -f $data/postmaster.pid ]] || return 0
  pm=$(head -1 "$data/postmaster.pid")
  kill -QUIT "$pm" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pm" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pm" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pm" 2>/dev/null || break; sleep 0.05; done
  rm -f "$data/postmaster.pid"
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pids; pids=$(descendants $$ || true)
  if [[ -n ${pids// /} ]]; then
    kill -TERM $pids 2>/dev/null || true
    sleep 0.5
    kill -KILL $pids 2>/dev/null || true
  fi
  stop_server source; stop_server target
  if [[ -n ${KEEP_LOGS:-} ]]; then mkdir -p "$KEEP_LOGS" && cp -r "$WORK/logs/." "$KEEP_LOGS/" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'echo interrupted >&2; exit 130' INT
trap 'echo terminated >&2; exit 143' TERM

# PgMove, published as the README installs it (a native program), in a private directory.
[[ -z ${PGMOVE_B_BIN:-} ]] || pgmove_command "$PGMOVE_B_BIN" || exit 1 # checked before the build; PGMOVE_CMD is set below
pgmove_under_test "$WORK/build" "$WORK/logs/build.log" || exit 1
[[ -z ${PERF_DIR:-} ]] || command -v perf >/dev/null || fail "PERF_DIR needs perf (Debian's linux-perf)"

# Servers: the same settings as drain-bench.sh; ports fixed for the whole run (the saved state names them).
init_server() { # name bindir libdir port wal_level
  local dir="$WORK/$1"
  install -d -o postgres -g postgres "$dir"
  runuser -u postgres -- env ${3:+LD_LIBRARY_PATH=$3} "$2/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $4
unix_socket_directories = ''
wal_level = $5
$(server_settings on)
EOF
}
start_server() { # name
  local bin=$PG15 lib=""
  [[ $1 == target ]] && { bin=$PG17; lib=$PG17LIB; }
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/pg_ctl" -D "$WORK/$1/data" -l "$WORK/$1/server.log" -w start >/dev/null
}
clean_stop_server() { # name: a clean shutdown, for the snapshot
  local bin=$PG15 lib=""
  [[ $1 == target ]] && { bin=$PG17; lib=$PG17LIB; }
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/pg_ctl" -D "$WORK/$1/data" -m fast -w stop >/dev/null
}
postmaster_pid() { head -1 "$WORK/$1/data/postmaster.pid"; }

export PGUSER=postgres PGHOST=127.0.0.1
unset PGPORT PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
sq() { "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$SRC_PORT" "$@"; }
tq() { "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$TGT_PORT" "$@"; }
pgmove_env() { # once the ports are known
  export PGMOVE_SOURCE="postgres://postgres@127.0.0.1:$SRC_PORT/postgres?sslmode=disable"
  export PGMOVE_TARGET="postgres://postgres@127.0.0.1:$TGT_PORT/postgres?sslmode=disable"
}

# CPU seconds per kind of process, and per thread of the contender's own process (bench/lib/cpu.py): snapshot OUT
# [NAME=PID], then cpu_diff A B prints them on one line ("label=seconds …").
cpu_snapshot() { CPU_THREADS=1 python3 bench/lib/cpu.py snapshot "$1" "source=$(postmaster_pid source)" "target=$(postmaster_pid target)" "${@:2}"; }
cpu_diff() { CPU_DIGITS=2 python3 bench/lib/cpu.py diff "$1" "$2" | awk -F'\t' '{ gsub(/ /, "_", $1); printf "%s%s=%s", (NR > 1 ? " " : ""), $1, $2 }'; }

# ---------------------------------------------------------------------------------------------------------------
# Set-up: data, every contender streaming, one backlog, the snapshot (skipped when SNAPSHOT names a saved one).
SAVED=${SNAPSHOT:-$WORK/saved}
if [[ -f $SAVED/meta.env ]]; then
  # shellcheck source=/dev/null
  source "$SAVED/meta.env"
  [[ $SCALE == "$SAVED_SCALE" && $DURATION == "$SAVED_DURATION" && $CLIENTS == "$SAVED_CLIENTS" ]] \
    || fail "snapshot $SAVED was made with scale $SAVED_SCALE, $SAVED_DURATION s, $SAVED_CLIENTS clients: give those"
  install -d -o postgres -g postgres "$WORK/source" "$WORK/target"
  pgmove_env
  log "reusing snapshot $SAVED: $TX transactions up to $L1 (ports $SRC_PORT, $TGT_PORT)"
else
SRC_PORT=$(free_port); TGT_PORT=$(free_port)
init_server source "$PG15" "" "$SRC_PORT" logical
init_server target "$PG17" "$PG17LIB" "$TGT_PORT" replica
pgmove_env
start_server source; start_server target
log "servers: source $(sq -Atc 'SHOW server_version') on $SRC_PORT, target $(tq -Atc 'SHOW server_version') on $TGT_PORT"
sq -c "CREATE DATABASE bench"
run "$PG15/pgbench" -q -i -s "$SCALE" -p "$SRC_PORT" bench >"$WORK/logs/pgbench-init.log" 2>&1 || { cat "$WORK/logs/pgbench-init.log" >&2; fail "pgbench -i"; }
sq -d bench -c "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY"
sq -d bench -c "VACUUM ANALYZE"

log "pgmove start until syncing"
"${PGMOVE_CMD[@]}" start --state "$STATE" --ignore-db postgres >"$WORK/logs/pgmove-initial.log" 2>&1 &
INITIAL=$!
for i in $(seq 900); do
  sleep 1
  kill -0 "$INITIAL" 2>/dev/null || { cat "$WORK/logs/pgmove-initial.log" >&2; fail "pgmove start exited before syncing"; }
  "${PGMOVE_CMD[@]}" status --state "$STATE" --json 2>/dev/null | grep -q '"status": "syncing"' && break
  [[ $i -lt 900 ]] || fail "pgmove did not reach syncing"
done
kill -TERM "$INITIAL"; wait "$INITIAL" || true
PM_SLOT=$(sq -Atc "SELECT slot_name FROM pg_replication_slots WHERE database = 'bench' AND slot_name LIKE 'pgmove%'")
PUBLICATION=$(sq -d bench -Atc "SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgmove%' LIMIT 1")
[[ -n $PM_SLOT && -n $PUBLICATION ]] || fail "no PgMove slot or publication for database bench"

log "native subscription until every table is ready"
native_subscription replay_pub replay_sub
tq -d bench_native -c "ALTER SUBSCRIPTION replay_sub DISABLE"
for i in $(seq 100); do [[ $(sq -Atc "SELECT bool_or(active) FROM pg_replication_slots") == f ]] && break; sleep 0.2; done
sq -d bench -qAtc "SELECT pg_create_logical_replication_slot('replay_recv', 'pgoutput')" >/dev/null

log "backlog: pgbench -c $CLIENTS -T $DURATION"
run "$PG15/pgbench" -n -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" -p "$SRC_PORT" bench >"$WORK/logs/pgbench.log" 2>&1 || { cat "$WORK/logs/pgbench.log" >&2; fail "pgbench"; }
L1=$(sq -Atc "SELECT pg_current_wal_lsn()")
# One tiny transaction after L1: a confirmed position at or past L1 then means every pgbench commit is applied.
sq -d bench -c "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"
TX=$(awk -F': *' '/number of transactions actually processed/ { split($2, a, "/"); print a[1] }' "$WORK/logs/pgbench.log")
[[ -n $TX && $TX -gt 0 ]] || fail "pgbench processed no transaction"
sq -c "CHECKPOINT"; tq -c "CHECKPOINT"
clean_stop_server source; clean_stop_server target
mkdir -p "$SAVED"
cp -a "$WORK/source/data" "$SAVED/source"; cp -a "$WORK/target/data" "$SAVED/target"; cp -a "$STATE" "$SAVED/state.db"
cp -a "$WORK/secret.key" "$SAVED/secret.key"
printf '%s\n' "SRC_PORT=$SRC_PORT" "TGT_PORT=$TGT_PORT" "L1=$L1" "TX=$TX" "PM_SLOT=$PM_SLOT" "PUBLICATION=$PUBLICATION" \
  "SAVED_SCALE=$SCALE" "SAVED_DURATION=$DURATION" "SAVED_CLIENTS=$CLIENTS" >"$SAVED/meta.env"
log "snapshot saved in $SAVED: $TX transactions up to $L1"
fi

# ---------------------------------------------------------------------------------------------------------------
# Rounds.
restore() {
  stop_server source; stop_server target
  rm -rf "$WORK/source/data" "$WORK/target/data"
  cp -a "$SAVED/source" "$WORK/source/data"; cp -a "$SAVED/target" "$WORK/target/data"; cp -a "$SAVED/state.db" "$STATE"
  cp -a "$SAVED/secret.key" "$WORK/secret.key"
  rm -f "$STATE-wal" "$STATE-shm"
  sync
  start_server source; start_server target
  sq -c "CHECKPOINT"; tq -c "CHECKPOINT"
}
slot_of() { case $1 in pgmove|pgmove-b) echo "$PM_SLOT" ;; native) echo replay_sub ;; recvlogical) echo replay_recv ;; esac; }

RESULTS=$WORK/results.tsv
: >"$RESULTS"
drain() { # round contender
  local round=$1 who=$2 slot pid= t0 t_active= t_done= status
  slot=$(slot_of "$who")
  restore
  # One psql session polls the source every 0.1 s (a psql per poll would cost the contender CPU).
  mkfifo "$WORK/poll.in" "$WORK/poll.out"
  "$PG15/psql" -X -A -t -q -p "$SRC_PORT" -d postgres <"$WORK/poll.in" >"$WORK/poll.out" 2>&1 &
  local poller=$!
  exec {pin}>"$WORK/poll.in" {pout}<"$WORK/poll.out"
  local perf=
  if [[ -n ${PERF_DIR:-} ]]; then
    mkdir -p "$PERF_DIR"
    perf record -a -g -F 499 -o "$PERF_DIR/$who-$round.data" >"$WORK/logs/perf-$who-$round.log" 2>&1 & perf=$!
    sleep 1
  fi
  cpu_snapshot "$WORK/cpu-a.json"
  t0=$(now)
  case $who in
    pgmove|pgmove-b)
      local log=()
      if [[ $who == pgmove-b ]]; then pgmove_command "$PGMOVE_B_BIN" || return 1; else pgmove_command "$PGMOVE" || return 1; fi
      [[ -n ${PGMOVE_LOG:-} ]] && log=(--log-level "$PGMOVE_LOG" --log-file "$WORK/logs/$who-$round.jsonl")
      env ${PERF_DIR:+DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0} "${PGMOVE_CMD[@]}" start --state "$STATE" "${log[@]}" >"$WORK/logs/$who-$round.log" 2>&1 & pid=$! ;;
    native) tq -d bench_native -c "ALTER SUBSCRIPTION replay_sub ENABLE" ;;
    recvlogical) "$PG15/pg_recvlogical" -p "$SRC_PORT" -d bench --slot replay_recv --start -o proto_version=1 \
        -o publication_names="$PUBLICATION" -E "$L1" -f /dev/null >"$WORK/logs/$who-$round.log" 2>&1 & pid=$! ;;
  esac
  while :; do
    printf "SELECT active, confirmed_flush_lsn >= '%s' FROM pg_replication_slots WHERE slot_name = '%s';\n" "$L1" "$slot" >&"$pin"
    IFS= read -r -t 30 status <&"$pout" || fail "$who: no answer from the source"
    [[ -z $t_active && ${status%|*} == t ]] && t_active=$(now)
    [[ ${status#*|} == t ]] && { t_done=$(now); break; }
    if [[ $who == recvlogical && -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then t_done=$(now); break; fi
    [[ -n $pid && $who != recvlogical ]] && { kill -0 "$pid" 2>/dev/null || { cat "$WORK/logs/$who-$round.log" >&2; fail "$who exited during the drain"; }; }
    [[ $(calc '"%d", '"$(now) - $t0") -lt 900 ]] || fail "$who did not drain within 15 minutes"
    sleep 0.1
  done
  cpu_snapshot "$WORK/cpu-b.json" ${pid:+"$who=$pid"}
  [[ -n $perf ]] && { kill -INT "$perf" 2>/dev/null || true; wait "$perf" || true; }
  # The contender inherited the pipes: psql sees no end of input while it runs, so it is ended here.
  exec {pin}>&- {pout}<&-
  kill -TERM "$poller" 2>/dev/null || true
  wait "$poller" 2>/dev/null || true
  rm -f "$WORK/poll.in" "$WORK/poll.out"
  [[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  local seconds active cpu
  seconds=$(calc '"%.2f", '"$t_done - $t0")
  active=$(calc '"%.2f", '"${t_active:-$t0} - $t0")
  cpu=$(cpu_diff "$WORK/cpu-a.json" "$WORK/cpu-b.json")
  printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$who" "$seconds" "$active" "$cpu" >>"$RESULTS"
  log "round $round $who: $seconds s (slot active after $active s, $(calc '"%.0f", '"$TX / $seconds") tx/s); CPU: $cpu"
}

read -r -a ORDER <<<"$CONTENDERS"
for round in $(seq "$ROUNDS"); do
  for i in "${!ORDER[@]}"; do
    drain "$round" "${ORDER[$(( (i + round - 1) % ${#ORDER[@]} ))]}"
  done
done

# ---------------------------------------------------------------------------------------------------------------
# Summary.
SUMMARY=$(python3 - "$RESULTS" "$TX" <<'EOF'
import statistics, sys
tx = int(sys.argv[2])
runs = {}
for line in open(sys.argv[1]):
    round_, who, seconds, active, cpu = line.rstrip("\n").split("\t")
    runs.setdefault(who, []).append((int(round_), float(seconds), float(active), cpu))
print("| contender | drain s per round | median s | median tx/s | from slot active, median s | CPU of the last round |")
print("|---|---|---|---|---|---|")
for who, rows in runs.items():
    seconds = [r[1] for r in rows]
    net = [r[1] - r[2] for r in rows]
    print(f"| {who} | {', '.join(f'{s:.2f}' for s in seconds)} | {statistics.median(seconds):.2f} | {tx / statistics.median(seconds):.0f} | "
          f"{statistics.median(net):.2f} | {rows[-1][3]} |")
if "native" in runs:
    native = {r[0]: r[1] for r in runs["native"]}
    for who in ("pgmove", "pgmove-b", "recvlogical"):
        if who in runs:
            ratios = [native[r[0]] / r[1] for r in runs[who] if r[0] in native]
            print(f"\n{who} / native (drain rate, per round): {', '.join(f'{x:.2f}' for x in ratios)}; "
                  f"median {statistics.median(ratios):.2f}; by median times {statistics.median(native.values()) / statistics.median(r[1] for r in runs[who]):.2f}")
EOF
)
REPORT="## Drain replay, $(date -u '+%Y-%m-%d %H:%M UTC')

- Command: \`${PGMOVE_B_BIN:+PGMOVE_B_BIN=… }bench/drain-replay.sh $ROUNDS $SCALE $DURATION $CLIENTS\` (pgmove: $PGMOVE_VERSION${PGMOVE_B_BIN:+; pgmove-b: $PGMOVE_B_BIN${PGMOVE_B_VERSION:+, $PGMOVE_B_VERSION}}); contenders: $CONTENDERS
- One backlog of $TX pgbench transactions (\`pgbench -c $CLIENTS -T $DURATION\`, scale $SCALE), PostgreSQL 15 → 17, replayed from a saved snapshot for every run; time from launch until the slot's confirmed_flush_lsn passes the backlog's end.

$SUMMARY"
echo "$REPORT"
[[ -n ${OUTPUT:-} ]] && echo "$REPORT" >"$OUTPUT"
exit 0
