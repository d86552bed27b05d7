#!/usr/bin/env bash
# Streaming benchmark: how fast PgMove drains a replication backlog, compared with PostgreSQL's own logical
# replication (a subscription), and how far PgMove's target stays behind under a steady write load. Runs on one pair
# of fresh throwaway servers on loopback (PostgreSQL 15 source, PostgreSQL 17 target) with the same settings for
# every contender.
#
#   bench/drain-bench.sh [SCALE] [SECONDS] [CLIENTS]      # defaults: scale 10, 60 s, 4 clients
#
# 1. PgMove drain: pgbench -i -s SCALE into database bench on the source (pgbench_history given a bigserial primary
#    key), `pgmove start --ignore-db postgres` (database bench only, like the subscription) until syncing, SIGTERM
#    (detach: the slot stays), `pgbench -c CLIENTS -T SECONDS` builds a backlog (transactions, and source WAL bytes
#    from pg_current_wal_lsn before and after), then `pgmove start` again under /usr/bin/time -v; the drain ends when
#    the target's _pgmove.applied.end_lsn in bench reaches the source LSN recorded at the end of pgbench (polled every
#    0.2 s through one open psql session per server). Peak RSS of that process during the drain (VmHWM) and at its
#    end (/usr/bin/time -v).
# 2. Steady lag: with that pgmove still streaming, `pgbench -c STEADY_CLIENTS -T STEADY_SECONDS` (4, 30 by default);
#    every 0.5 s the target's applied position, then the source's pg_current_wal_lsn and the slot's confirmed_flush_lsn
#    are sampled (lag in bytes, and in seconds: how long ago the source's WAL went past the applied position), and every
#    2 s `pgmove status --json` (PgMove's own lag_bytes / lag_seconds). Then a consistency check, SIGTERM, pgmove stop.
# 3. Native drain, same backlog shape: database bench_native on the target with the schema (pg_dump --schema-only),
#    a publication FOR ALL TABLES on the source, CREATE SUBSCRIPTION (copy_data) until every table is 'r', DISABLE,
#    the same pgbench run, ENABLE; the drain ends when the subscription's slot confirmed_flush_lsn reaches the
#    recorded LSN. The same steady-lag run follows (applied position: pg_replication_origin_progress), then a
#    consistency check; the subscription, its slot and the publication are dropped.
# For reference, pg_recvlogical reads PgMove's backlog again from a twin slot (created just before that backlog) into
# /dev/null: the walsender's own speed, a ceiling for any consumer.
# Both contenders use the same two servers, one after the other; the native run comes second, on a source database
# that the earlier pgbench runs have grown a little (history rows, dead tuples). Rates are per transaction.
#
# After the recorded LSN one tiny transaction is committed on the source (UPDATE pgbench_branches SET bbalance =
# bbalance WHERE bid = 1): every pgbench transaction ends at or before that LSN, and a position at or past it proves
# they are all applied (without it the target could stop just short of the LSN, at the last commit's end, forever).
# For both contenders the time until the slot's confirmed_flush_lsn on the source reaches the LSN is also recorded
# (the same criterion for both: durable on the target and acknowledged), and the time until the target's applied
# position reaches it (PgMove: _pgmove.applied, durable; native: pg_replication_origin_progress(…, false), applied
# but with the subscription's default synchronous_commit = off not necessarily flushed yet).
# During each drain the CPU time of every process of both servers and of pgmove is taken (from /proc), to see which
# one limits the drain, and `top` is logged.
#
# Environment:
#   FSYNC=on|off                  fsync of both servers (default on; synchronous_commit stays on)
#   STEADY_SECONDS / STEADY_CLIENTS   the steady-lag pgbench run (default 30 s, 4 clients; 0 s skips it)
#   PGMOVE_REF=<ref>              build pgmove from `git archive <ref>` instead of the work tree
#   PGMOVE_BIN=<path>             use this pgmove (a published program, or a pgmove.dll), build nothing
#   OUTPUT=<file>                 also write the markdown result there (it always goes to stdout)
#   KEEP_LOGS=<dir>               copy every log there before the temporary directory is deleted
# Needs root (servers run as the postgres OS user), Debian's PostgreSQL 15 and PostgreSQL 17 in
# /var/cache/pgmove/postgres/17 (scripts/install-deps.sh). Installs `time` with apt when missing.
# Everything it starts (servers, pgmove, pgbench, samplers) is stopped and its directory deleted on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=bench/lib/common.sh
source bench/lib/common.sh
# shellcheck source=bench/lib/pgmove.sh
source bench/lib/pgmove.sh

SCALE=${1:-10}
DURATION=${2:-60}
CLIENTS=${3:-4}
FSYNC=${FSYNC:-on}
STEADY_SECONDS=${STEADY_SECONDS:-30}
STEADY_CLIENTS=${STEADY_CLIENTS:-4}
usage="usage: $0 [SCALE] [SECONDS] [CLIENTS]"
[[ $SCALE =~ ^[0-9]+$ && $SCALE -ge 1 ]] || { echo "$usage" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || { echo "$usage" >&2; exit 2; }
[[ $CLIENTS =~ ^[0-9]+$ && $CLIENTS -ge 1 && $CLIENTS -le 64 ]] || { echo "$usage  (CLIENTS 1–64)" >&2; exit 2; }
[[ $FSYNC == on || $FSYNC == off ]] || { echo "FSYNC must be on or off" >&2; exit 2; }
[[ $STEADY_SECONDS =~ ^[0-9]+$ && $STEADY_CLIENTS =~ ^[0-9]+$ && $STEADY_CLIENTS -ge 1 ]] \
  || { echo "STEADY_SECONDS must be a number, STEADY_CLIENTS a positive number" >&2; exit 2; }

PG15=/usr/lib/postgresql/15/bin
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"
PG17=$CACHE/17/bin
PG17LIB=$CACHE/17/lib
[[ -x $PG15/postgres && -x $PG15/pgbench && -x $PG15/pg_dump ]] || { echo "Debian's PostgreSQL 15 is missing: run scripts/install-deps.sh" >&2; exit 1; }
[[ -x $PG17/postgres ]] || { echo "PostgreSQL 17 is missing in $CACHE/17: run scripts/install-deps.sh" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (the servers run as the postgres OS user)" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >/dev/null 2>&1 \
    || { echo "could not install /usr/bin/time (apt-get install time)" >&2; exit 1; }
fi
COMMAND_LINE="bench/drain-bench.sh $SCALE $DURATION $CLIENTS"
ENV_NOTE=""
[[ $FSYNC != on ]] && ENV_NOTE+="FSYNC=$FSYNC "
[[ $STEADY_SECONDS != 30 || $STEADY_CLIENTS != 4 ]] && ENV_NOTE+="STEADY_SECONDS=$STEADY_SECONDS STEADY_CLIENTS=$STEADY_CLIENTS "
COMMAND_LINE="$ENV_NOTE$COMMAND_LINE"

# ---------------------------------------------------------------------------------------------------------------
# Scratch space and cleanup.
WORK=$(mktemp -d /tmp/pgmove-drain.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
SERVER_DIRS=()
OWN_PIDS=()   # pgmove processes, stopped at exit even if no longer our children

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Children of this script (pgmove under /usr/bin/time, pgbench, samplers, psql), by process id.
  local pids
  pids=$(descendants $$ || true)
  for pid in "${OWN_PIDS[@]}"; do   # only if that process id is still one of our pgmove processes
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$PGMOVE start --state $STATE" && pids+=" $pid"
  done
  if [[ -n ${pids// /} ]]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 30); do
      local alive=
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [[ -z $alive ]] && break
      sleep 0.1
    done
    kill -KILL $pids 2>/dev/null || true
  fi
  for dir in "${SERVER_DIRS[@]}"; do
    if [[ -f $dir/data/postmaster.pid ]]; then
      local pm; pm=$(head -1 "$dir/data/postmaster.pid")
      kill -QUIT "$pm" 2>/dev/null || true   # immediate shutdown: everything is thrown away
      for _ in $(seq 50); do [[ $(awk '{print $3}' "/proc/$pm/stat" 2>/dev/null || echo gone) =~ ^(Z|gone)$ ]] && break; sleep 0.1; done
      kill -KILL "$pm" 2>/dev/null || true
    fi
  done
  if [[ -n ${KEEP_LOGS:-} ]]; then
    mkdir -p "$KEEP_LOGS" && cp -r "$WORK/logs/." "$KEEP_LOGS/" 2>/dev/null || true
    for dir in "${SERVER_DIRS[@]}"; do cp "$dir/server.log" "$KEEP_LOGS/$(basename "$dir")-server.log" 2>/dev/null || true; done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
exec 3>&2   # the script's own stderr, for the traps (a signal can arrive while a step's stderr goes to its log)
trap 'echo "interrupted" >&3; exit 130' INT
trap 'echo "terminated" >&3; exit 143' TERM

kill_tree() { # a background loop of ours and what it runs, by process id
  local pids; pids="$(descendants "$1" || true) $1"
  kill -TERM $pids 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------------------
# PgMove, built in a private directory (other builds of the work tree may be running).
pgmove_under_test "$WORK/build" "$WORK/logs/build.log" || exit 1
pgmove() { "${PGMOVE_CMD[@]}" "$@"; }

# ---------------------------------------------------------------------------------------------------------------
# Servers: the same settings on both; only wal_level differs (the source publishes).

SERVER_SETTINGS=$(server_settings "$FSYNC")

start_cluster() { # name bindir libdir port wal_level
  local name=$1 bin=$2 lib=$3 port=$4 wal=$5 dir="$WORK/$1"
  install -d -o postgres -g postgres "$dir"
  SERVER_DIRS+=("$dir")
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
wal_level = $wal
$SERVER_SETTINGS
EOF
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  log "started $name: $(env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/postgres" --version) on 127.0.0.1:$port"
}
postmaster_pid() { head -1 "$WORK/$1/data/postmaster.pid"; }

SRC_PORT=$(free_port); TGT_PORT=$(free_port)
start_cluster source "$PG15" "" "$SRC_PORT" logical
start_cluster target "$PG17" "$PG17LIB" "$TGT_PORT" replica

# Debian's client tools (never with LD_LIBRARY_PATH).
export PGUSER=postgres PGHOST=127.0.0.1
unset PGPORT PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
sq() { "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$SRC_PORT" "$@"; }
tq() { "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$TGT_PORT" "$@"; }
# The frequent polls go through one long-lived psql session per server and database: starting psql and a backend
# several times a second takes a good share of a core of this 2-core machine away from whichever contender runs.
# Every polled query must return exactly one row.
poller_open() { # name port database
  local fifo="$WORK/poll-$1-$BASHPID" in out
  rm -f "$fifo.in" "$fifo.out"; mkfifo "$fifo.in" "$fifo.out"
  "$PG15/psql" -X -A -t -q -v VERBOSITY=terse -p "$2" -d "$3" <"$fifo.in" >"$fifo.out" 2>&1 &
  printf -v "POLL_PID_$1" '%s' "$!"
  exec {in}>"$fifo.in" {out}<"$fifo.out"
  printf -v "POLL_IN_$1" '%s' "$in"; printf -v "POLL_OUT_$1" '%s' "$out"
}
poll() { # name sql: prints the row (fields separated by |), or "?" after an error or 10 s without an answer
  local in="POLL_IN_$1" out="POLL_OUT_$1" line
  { printf '%s;\n' "$2" >&"${!in}"; } 2>/dev/null && IFS= read -r -t 10 line <&"${!out}" || line="?"
  if [[ $line =~ ^(ERROR|FATAL|PANIC|psql): ]]; then echo "$1: $line" >>"$WORK/logs/poll-errors.log"; line="?"; fi
  echo "$line"
}
poller_close() { # name (processes started meanwhile hold copies of its pipe: end psql itself)
  local in="POLL_IN_$1" out="POLL_OUT_$1" pid="POLL_PID_$1"
  eval "exec ${!in}>&- ${!out}<&-"
  kill -TERM "${!pid}" 2>/dev/null || true
  wait "${!pid}" 2>/dev/null || true
}
export PGMOVE_SOURCE="postgres://postgres@127.0.0.1:$SRC_PORT/postgres?sslmode=disable"
export PGMOVE_TARGET="postgres://postgres@127.0.0.1:$TGT_PORT/postgres?sslmode=disable"
SRC_VERSION=$(sq -Atc "SHOW server_version")
TGT_VERSION=$(tq -Atc "SHOW server_version")
STATE=$WORK/state.db

# ---------------------------------------------------------------------------------------------------------------
# Helpers: CPU accounting from /proc (bench/lib/cpu.py), the backlog, lag statistics.
cpu_snapshot() { # out [name=pid...]
  sq -At -F ' ' -c "SELECT active_pid, database FROM pg_replication_slots WHERE active_pid IS NOT NULL" >"$WORK/walsenders" 2>/dev/null || true
  WALSENDERS=$WORK/walsenders python3 bench/lib/cpu.py snapshot "$1" "source=$(postmaster_pid source)" "target=$(postmaster_pid target)" "${@:2}"
}

cat >"$WORK/lag.py" <<'EOF'
# lag.py SAMPLES FROM TO: lines "t source_lsn confirmed_lsn applied_lsn". Prints median, p95 and max lag in bytes and
# in seconds (how long before t the source's WAL went past the position), against the applied and the confirmed
# position, over the samples taken between FROM and TO (the write load; earlier samples only serve to date positions).
import statistics, sys
def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)
rows = []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 4 and all("/" in p for p in parts[1:]):
        rows.append((float(parts[0]), lsn(parts[1]), lsn(parts[2]), lsn(parts[3])))
def left(position):
    # When the source's WAL went past position (its first write not yet applied), interpolated between the last sample
    # at or before position and the next one; None: before the first sample. Counting from when the WAL reached the
    # position instead would count the time an idle source sat there as lag.
    previous = None
    for t, s, _, _ in rows:
        if s > position:
            if previous is None:
                return None
            pt, ps = previous
            return pt + (t - pt) * (position - ps) / (s - ps)
        previous = (t, s)
    return rows[-1][0]
def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]
window = [row for row in rows if float(sys.argv[2]) <= row[0] <= float(sys.argv[3])]
out = []
for name, column in (("applied", 3), ("confirmed", 2)):
    byte_lags, second_lags = [], []
    for row in window:
        # A confirmed position is applied too (or needed nothing): both contenders confirm only what they have
        # applied. Without it, WAL of nothing to apply (another database, a checkpoint) counts as lag for as long as
        # no transaction of the contender's commits: the applied position only moves with those.
        t, s, pos = row[0], row[1], max(row[column], row[2])
        byte_lags.append(max(0, s - pos))
        if pos >= s:
            second_lags.append(0.0)
        else:
            at = left(pos)
            second_lags.append(t - (at if at is not None else rows[0][0]))
    if byte_lags:
        out.append(f"{name} samples={len(rows)} median_bytes={statistics.median(byte_lags):.0f} p95_bytes={pct(byte_lags, 0.95):.0f} "
                   f"max_bytes={max(byte_lags)} median_s={statistics.median(second_lags):.2f} p95_s={pct(second_lags, 0.95):.2f} "
                   f"max_s={max(second_lags):.2f}")
print("\n".join(out) if out else "no samples")
EOF

# The backlog: pgbench on the source while nothing reads the slot. Sets TX, L0, L1, WAL_BYTES.
build_backlog() { # label clients seconds
  local label=$1 clients=$2 seconds=$3
  L0=$(sq -Atc "SELECT pg_current_wal_lsn()")
  run "$PG15/pgbench" -n -c "$clients" -j "$clients" -T "$seconds" -p "$SRC_PORT" bench >"$WORK/logs/pgbench-$label.log" 2>&1 \
    || { cat "$WORK/logs/pgbench-$label.log" >&2; fail "pgbench ($label)"; }
  L1=$(sq -Atc "SELECT pg_current_wal_lsn()")
  # One small transaction after L1: its commit ends past L1, so a position >= L1 means every pgbench commit is applied.
  sq -d bench -c "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"
  TX=$(awk -F': *' '/number of transactions actually processed/ { split($2, a, "/"); print a[1] }' "$WORK/logs/pgbench-$label.log")
  TPS=$(awk '/^tps/ { printf "%.0f", $3; exit }' "$WORK/logs/pgbench-$label.log")
  WAL_BYTES=$(sq -Atc "SELECT pg_wal_lsn_diff('$L1', '$L0')::bigint")
  [[ -n $TX && $TX -gt 0 ]] || fail "pgbench ($label) processed no transaction"
  log "$label backlog: $TX transactions ($TPS tps), $(calc '"%.1f", '"$WAL_BYTES"' / 1048576') MiB of WAL ($L0 -> $L1)"
}

checkpoint_both() { sq -c "CHECKPOINT"; tq -c "CHECKPOINT"; sync; }

# A steady pgbench run while the contender streams; samples "t source confirmed applied" every 0.5 s.
# Args: label, SQL on the source giving "current|confirmed", target database, SQL on the target giving the applied LSN.
steady_lag() {
  local label=$1 src_sql=$2 tdb=$3 tgt_sql=$4
  local samples="$WORK/logs/steady-$label.samples"
  : >"$samples"
  (
    poller_open lagt "$TGT_PORT" "$tdb"
    poller_open lags "$SRC_PORT" postgres
    while :; do
      # The target first: its position is then never newer than the source's, and the lag is not understated.
      a=$(poll lagt "$tgt_sql")
      t=$EPOCHREALTIME
      s=$(poll lags "$src_sql")
      [[ $s != "?" && $a != "?" && -n ${s%|*} && -n ${s#*|} && -n $a ]] && echo "$t ${s/|/ } $a" >>"$samples"
      sleep 0.5
    done
  ) &
  local sampler=$!
  local status_sampler=
  if [[ $label == pgmove ]]; then
    (
      while :; do
        t=$EPOCHREALTIME
        pgmove status --state "$STATE" --json 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
for db in doc.get("databases", []):
    if db.get("name") == "bench":
        print(sys.argv[1], db.get("lag_bytes"), db.get("lag_seconds"), db.get("phase"))' "$t" >>"$WORK/logs/steady-pgmove.status" || true
        sleep 2
      done
    ) &
    status_sampler=$!
  fi
  cpu_snapshot "$WORK/logs/cpu-steady-$label-a.json" ${PGMOVE_PID:+pgmove=$PGMOVE_PID}
  local t0; t0=$(now)
  run "$PG15/pgbench" -n -c "$STEADY_CLIENTS" -j "$STEADY_CLIENTS" -T "$STEADY_SECONDS" -p "$SRC_PORT" bench \
    >"$WORK/logs/pgbench-steady-$label.log" 2>&1 || { cat "$WORK/logs/pgbench-steady-$label.log" >&2; fail "pgbench (steady $label)"; }
  local t1; t1=$(now)
  cpu_snapshot "$WORK/logs/cpu-steady-$label-b.json" ${PGMOVE_PID:+pgmove=$PGMOVE_PID}
  kill_tree "$sampler"
  if [[ -n $status_sampler ]]; then kill_tree "$status_sampler"; fi
  STEADY_TPS=$(awk '/^tps/ { printf "%.0f", $3; exit }' "$WORK/logs/pgbench-steady-$label.log")
  STEADY=$(python3 "$WORK/lag.py" "$samples" "$t0" "$t1")
  STEADY_CPU=$(python3 bench/lib/cpu.py diff "$WORK/logs/cpu-steady-$label-a.json" "$WORK/logs/cpu-steady-$label-b.json")
  log "$label steady lag ($STEADY_TPS tps):"$'\n'"$STEADY"
}

FINGERPRINT_SQL="SELECT concat_ws(' ',
  (SELECT count(*) FROM pgbench_accounts), (SELECT sum(abalance) FROM pgbench_accounts),
  (SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(tbalance) FROM pgbench_tellers),
  (SELECT count(*) FROM pgbench_history), (SELECT sum(delta) FROM pgbench_history), (SELECT max(hid) FROM pgbench_history))"
# Waits until the target's applied position passes the source's current LSN (plus a marker), then compares.
consistency() { # label target-db applied-sql
  local label=$1 tdb=$2 sql=$3 lsn
  lsn=$(sq -Atc "SELECT pg_current_wal_lsn()")
  sq -d bench -c "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"
  for _ in $(seq 600); do
    [[ $(tq -d "$tdb" -Atc "SELECT ($sql) >= '$lsn'") == t ]] && break
    sleep 0.5
  done
  local src tgt; src=$(sq -d bench -Atc "$FINGERPRINT_SQL"); tgt=$(tq -d "$tdb" -Atc "$FINGERPRINT_SQL")
  if [[ $src == "$tgt" ]]; then CONSISTENT="identical ($src)"; else CONSISTENT="DIFFERENT: source $src, target $tgt"; fi
  log "$label consistency: $CONSISTENT"
}

START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
# The data set.
log "loading pgbench -i -s $SCALE into database bench on the source"
sq -c "CREATE DATABASE bench"
run "$PG15/pgbench" -q -i -s "$SCALE" -p "$SRC_PORT" bench >"$WORK/logs/pgbench-init.log" 2>&1 || { cat "$WORK/logs/pgbench-init.log" >&2; fail "pgbench -i"; }
sq -d bench -c "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY"
sq -d bench -c "VACUUM ANALYZE"
DB_MIB=$(sq -Atc "SELECT pg_database_size('bench') / 1048576")

# ---------------------------------------------------------------------------------------------------------------
# 1. PgMove: copy and sync, detach, backlog, drain.
log "pgmove start: copying, until syncing"
# --ignore-db postgres: the native subscription replicates database bench only, so PgMove does the same work (a
# second database would add a walsender that decodes the same WAL, ~13 % of a core in earlier runs).
"${PGMOVE_CMD[@]}" start --state "$STATE" --ignore-db postgres >"$WORK/logs/pgmove-initial.log" 2>&1 &
INITIAL_PID=$!
OWN_PIDS+=("$INITIAL_PID")
for i in $(seq 900); do
  sleep 2
  kill -0 "$INITIAL_PID" 2>/dev/null || { cat "$WORK/logs/pgmove-initial.log" >&2; fail "pgmove start exited before syncing"; }
  pgmove status --state "$STATE" --json 2>/dev/null | grep -q '"status": "syncing"' && break
  [[ $i -lt 900 ]] || fail "pgmove did not reach syncing in 30 minutes"
done
SLOT=$(sq -Atc "SELECT slot_name FROM pg_replication_slots WHERE database = 'bench'")
[[ -n $SLOT ]] || fail "no PgMove slot for database bench"
log "syncing (slot $SLOT); detaching with SIGTERM"
kill -TERM "$INITIAL_PID"
for i in $(seq 300); do kill -0 "$INITIAL_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$INITIAL_PID" 2>/dev/null && fail "pgmove did not exit within 30 s of SIGTERM"
DETACH_RC=0; wait "$INITIAL_PID" || DETACH_RC=$?
for i in $(seq 50); do [[ $(sq -Atc "SELECT active FROM pg_replication_slots WHERE slot_name = '$SLOT'") == f ]] && break; sleep 0.2; done
[[ $(sq -Atc "SELECT active FROM pg_replication_slots WHERE slot_name = '$SLOT'") == f ]] || fail "slot $SLOT still active after detach"
log "detached (exit code $DETACH_RC; last line: $(tail -1 "$WORK/logs/pgmove-initial.log"))"

APPLIED_SQL="SELECT max(end_lsn) FROM _pgmove.applied"
# A twin slot on the same database and publication, read after the drain by pg_recvlogical into /dev/null: how fast
# the walsender alone can send this backlog to a consumer that does nothing (the ceiling for any contender).
sq -d bench -qAtc "SELECT pg_create_logical_replication_slot('drain_floor', 'pgoutput')" >/dev/null
PUBLICATION=$(sq -d bench -Atc "SELECT pubname FROM pg_publication WHERE pubname LIKE 'pgmove%' LIMIT 1")
build_backlog pgmove "$CLIENTS" "$DURATION"
PM_TX=$TX PM_TPS=$TPS PM_WAL=$WAL_BYTES PM_L1=$L1
checkpoint_both
PM_APPLIED_BEFORE=$(tq -d bench -Atc "$APPLIED_SQL")

log "pgmove drain: pgmove start again"
poller_open pmt "$TGT_PORT" bench
poller_open pms "$SRC_PORT" postgres
cpu_snapshot "$WORK/logs/cpu-drain-pgmove-a.json"
T0=$(now)
/usr/bin/time -v -o "$WORK/logs/pgmove-drain.time" "${PGMOVE_CMD[@]}" start --state "$STATE" >"$WORK/logs/pgmove-drain.log" 2>&1 &
TIME_PID=$!
PGMOVE_PID=
for _ in $(seq 100); do PGMOVE_PID=$(ps -o pid= --ppid "$TIME_PID" | tr -d ' ' | head -1); [[ -n $PGMOVE_PID ]] && break; sleep 0.02; done
[[ -n $PGMOVE_PID ]] || fail "pgmove did not start"
OWN_PIDS+=("$PGMOVE_PID")
( while :; do { echo "== $(date +%T.%N)"; top -b -n 1 -w 200 | head -22; } >>"$WORK/logs/top-pgmove.log"; sleep 2; done ) &
TOP_PID=$!
T_FIRST= T_APPLIED= T_CONFIRMED= T_ACTIVE=
DEADLINE=$(calc '"%d", '"${T0%.*} + 600 + 20 * $DURATION")
while [[ -z $T_APPLIED || -z $T_CONFIRMED ]]; do
  r=$(poll pmt "SELECT x, x >= '$PM_L1' FROM ($APPLIED_SQL) a(x)"); [[ $r == "?" ]] && r="?|f"; t=$(now)
  [[ -z $T_FIRST && ${r%|*} != "$PM_APPLIED_BEFORE" && ${r%|*} != "?" ]] && T_FIRST=$t
  [[ -z $T_APPLIED && ${r#*|} == t ]] && { T_APPLIED=$t; PM_HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$PGMOVE_PID/status"); }
  c=$(poll pms "SELECT coalesce(bool_or(confirmed_flush_lsn >= '$PM_L1'), false), coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = '$SLOT'"); [[ $c == "?" ]] && c="f|f"; t=$(now)
  [[ -z $T_ACTIVE && ${c#*|} == t ]] && T_ACTIVE=$t
  [[ -z $T_CONFIRMED && ${c%|*} == t ]] && T_CONFIRMED=$t
  kill -0 "$PGMOVE_PID" 2>/dev/null || { cat "$WORK/logs/pgmove-drain.log" >&2; fail "pgmove exited during the drain"; }
  [[ ${t%.*} -lt $DEADLINE ]] || fail "pgmove did not drain the backlog in time (applied ${r%|*}, target $PM_L1)"
  sleep 0.2
done
cpu_snapshot "$WORK/logs/cpu-drain-pgmove-b.json" "pgmove=$PGMOVE_PID"
poller_close pmt
poller_close pms
# The two servers are polled one after the other: a position applied before the slot was seen active means it was.
[[ -n $T_FIRST && ( -z $T_ACTIVE || ${T_FIRST/./} -lt ${T_ACTIVE/./} ) ]] && T_ACTIVE=$T_FIRST
T_PM_APPLIED=$T_APPLIED T_PM_ACTIVE=${T_ACTIVE:-$T0}
kill_tree "$TOP_PID"
PM_DRAIN=$(calc '"%.2f", '"$T_APPLIED - $T0")
PM_DRAIN_CONFIRMED=$(calc '"%.2f", '"$T_CONFIRMED - $T0")
PM_FIRST=$(calc '"%.2f", '"${T_FIRST:-$T_APPLIED} - $T0")
PM_ACTIVE=$(calc '"%.2f", '"${T_ACTIVE:-$T_APPLIED} - $T0")
PM_CPU=$(python3 bench/lib/cpu.py diff "$WORK/logs/cpu-drain-pgmove-a.json" "$WORK/logs/cpu-drain-pgmove-b.json")
log "pgmove drained $PM_TX transactions in $PM_DRAIN s (reading the slot after $PM_ACTIVE s, first position applied after $PM_FIRST s; confirmed on the source after $PM_DRAIN_CONFIRMED s); peak RSS so far $((PM_HWM / 1024)) MiB"
log "CPU during the drain (seconds, % of one core):"$'\n'"$PM_CPU"

log "walsender alone: pg_recvlogical over the same backlog (twin slot) into /dev/null"
checkpoint_both
T0=$(now)
run "$PG15/pg_recvlogical" -p "$SRC_PORT" -d bench --slot drain_floor --start -o proto_version=1 \
  -o publication_names="$PUBLICATION" -E "$PM_L1" -f /dev/null >"$WORK/logs/recvlogical.log" 2>&1 \
  || { cat "$WORK/logs/recvlogical.log" >&2; fail "pg_recvlogical"; }
FLOOR_S=$(calc '"%.2f", '"$(now) - $T0")
FLOOR_RATE=$(calc '"%.0f", '"$PM_TX / $FLOOR_S")
sq -d bench -qAtc "SELECT pg_drop_replication_slot('drain_floor')" >/dev/null
log "walsender alone: $PM_TX transactions in $FLOOR_S s ($FLOOR_RATE tx/s)"

# 2. Steady lag with PgMove streaming.
PM_STEADY="skipped" PM_STEADY_CPU="" PM_STATUS_LAG="" PM_STEADY_TPS=""
sleep 3
if [[ $STEADY_SECONDS -gt 0 ]]; then
  log "pgmove steady lag: pgbench -c $STEADY_CLIENTS -T $STEADY_SECONDS while pgmove streams"
  steady_lag pgmove "SELECT pg_current_wal_lsn(), (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$SLOT')" bench "$APPLIED_SQL"
  PM_STEADY=$STEADY PM_STEADY_CPU=$STEADY_CPU PM_STEADY_TPS=$STEADY_TPS
  PM_STATUS_LAG=$(python3 - "$WORK/logs/steady-pgmove.status" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 4 and l.split()[1] != "None"]
if rows:
    b = [int(r[1]) for r in rows]; s = [float(r[2]) for r in rows]
    print(f"samples={len(rows)} median_bytes={statistics.median(b):.0f} max_bytes={max(b)} median_s={statistics.median(s):.2f} max_s={max(s):.2f}")
else:
    print("no samples")
EOF
)
  log "pgmove status --json during the steady run: $PM_STATUS_LAG"
fi
consistency pgmove bench "$APPLIED_SQL"
PM_CONSISTENT=$CONSISTENT

log "detaching pgmove (SIGTERM) and stopping the migration"
kill -TERM "$PGMOVE_PID"
DRAIN_RC=0; wait "$TIME_PID" || DRAIN_RC=$?
PM_RSS_END=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/logs/pgmove-drain.time")
PM_EXIT=$(awk -F': ' '/Exit status/ { print $2 }' "$WORK/logs/pgmove-drain.time")
PGMOVE_PID=
pgmove stop --state "$STATE" >"$WORK/logs/pgmove-stop.log" 2>&1 || { cat "$WORK/logs/pgmove-stop.log" >&2; fail "pgmove stop"; }
[[ $(sq -Atc "SELECT count(*) FROM pg_replication_slots") == 0 ]] || fail "slots left after pgmove stop: $(sq -Atc "SELECT string_agg(slot_name, ', ') FROM pg_replication_slots")"

# ---------------------------------------------------------------------------------------------------------------
# 3. Native logical replication: subscription, synced, disabled, the same backlog, enabled.
log "native: schema into bench_native on the target, publication, subscription with copy_data"
native_subscription drain_pub drain_sub
SUBOID=$(tq -d bench_native -Atc "SELECT oid FROM pg_subscription WHERE subname = 'drain_sub'")
ORIGIN_SQL="SELECT pg_replication_origin_progress('pg_$SUBOID', false)"
# Let it catch up with what happened during the sync, then disable it and wait for its walsender to go.
consistency native bench_native "$ORIGIN_SQL" >/dev/null 2>&1 || true
tq -d bench_native -c "ALTER SUBSCRIPTION drain_sub DISABLE"
for i in $(seq 100); do [[ $(sq -Atc "SELECT active FROM pg_replication_slots WHERE slot_name = 'drain_sub'") == f ]] && break; sleep 0.2; done
[[ $(sq -Atc "SELECT active FROM pg_replication_slots WHERE slot_name = 'drain_sub'") == f ]] || fail "slot drain_sub still active after DISABLE"

build_backlog native "$CLIENTS" "$DURATION"
NA_TX=$TX NA_TPS=$TPS NA_WAL=$WAL_BYTES NA_L1=$L1
checkpoint_both
NA_APPLIED_BEFORE=$(tq -d bench_native -Atc "$ORIGIN_SQL")

log "native drain: ALTER SUBSCRIPTION ENABLE"
poller_open nat "$TGT_PORT" bench_native
poller_open nas "$SRC_PORT" postgres
cpu_snapshot "$WORK/logs/cpu-drain-native-a.json"
T0=$(now)
tq -d bench_native -c "ALTER SUBSCRIPTION drain_sub ENABLE"
( while :; do { echo "== $(date +%T.%N)"; top -b -n 1 -w 200 | head -22; } >>"$WORK/logs/top-native.log"; sleep 2; done ) &
TOP_PID=$!
T_FIRST= T_APPLIED= T_CONFIRMED= T_ACTIVE=
DEADLINE=$(calc '"%d", '"${T0%.*} + 600 + 20 * $DURATION")
while [[ -z $T_APPLIED || -z $T_CONFIRMED ]]; do
  r=$(poll nat "SELECT x, x >= '$NA_L1' FROM ($ORIGIN_SQL) a(x)"); [[ $r == "?" ]] && r="?|f"; t=$(now)
  [[ -z $T_FIRST && ${r%|*} != "$NA_APPLIED_BEFORE" && ${r%|*} != "?" ]] && T_FIRST=$t
  [[ -z $T_APPLIED && ${r#*|} == t ]] && T_APPLIED=$t
  c=$(poll nas "SELECT coalesce(bool_or(confirmed_flush_lsn >= '$NA_L1'), false), coalesce(bool_or(active), false) FROM pg_replication_slots WHERE slot_name = 'drain_sub'"); [[ $c == "?" ]] && c="f|f"; t=$(now)
  [[ -z $T_ACTIVE && ${c#*|} == t ]] && T_ACTIVE=$t
  [[ -z $T_CONFIRMED && ${c%|*} == t ]] && T_CONFIRMED=$t
  [[ ${t%.*} -lt $DEADLINE ]] || fail "the subscription did not drain the backlog in time"
  sleep 0.2
done
cpu_snapshot "$WORK/logs/cpu-drain-native-b.json"
poller_close nat
poller_close nas
[[ -n $T_FIRST && ( -z $T_ACTIVE || ${T_FIRST/./} -lt ${T_ACTIVE/./} ) ]] && T_ACTIVE=$T_FIRST
T_NA_CONFIRMED=$T_CONFIRMED T_NA_ACTIVE=${T_ACTIVE:-$T0}
kill_tree "$TOP_PID"
NA_DRAIN=$(calc '"%.2f", '"$T_CONFIRMED - $T0")
NA_DRAIN_APPLIED=$(calc '"%.2f", '"$T_APPLIED - $T0")
NA_FIRST=$(calc '"%.2f", '"${T_FIRST:-$T_APPLIED} - $T0")
NA_ACTIVE=$(calc '"%.2f", '"${T_ACTIVE:-$T_APPLIED} - $T0")
NA_CPU=$(python3 bench/lib/cpu.py diff "$WORK/logs/cpu-drain-native-a.json" "$WORK/logs/cpu-drain-native-b.json")
log "native drained $NA_TX transactions in $NA_DRAIN s (confirmed; applied after $NA_DRAIN_APPLIED s; reading the slot after $NA_ACTIVE s, first position applied after $NA_FIRST s)"
log "CPU during the drain (seconds, % of one core):"$'\n'"$NA_CPU"

NA_STEADY="skipped" NA_STEADY_CPU="" NA_STEADY_TPS=""
sleep 3
if [[ $STEADY_SECONDS -gt 0 ]]; then
  log "native steady lag: pgbench -c $STEADY_CLIENTS -T $STEADY_SECONDS while the subscription streams"
  steady_lag native "SELECT pg_current_wal_lsn(), (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'drain_sub')" bench_native "$ORIGIN_SQL"
  NA_STEADY=$STEADY NA_STEADY_CPU=$STEADY_CPU NA_STEADY_TPS=$STEADY_TPS
fi
consistency native bench_native "$ORIGIN_SQL"
NA_CONSISTENT=$CONSISTENT

log "dropping the subscription (and its slot) and the publication"
tq -d bench_native -c "DROP SUBSCRIPTION drain_sub"
sq -d bench -c "DROP PUBLICATION drain_pub"
tq -c "DROP DATABASE bench_native"
[[ $(sq -Atc "SELECT count(*) FROM pg_replication_slots") == 0 ]] || fail "slots left on the source"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
# Result.
mib() { calc '"%.1f", '"$1"' / 1048576'; }
rate() { calc '"%.0f", '"$1 / $2"; }
PM_RATE=$(rate "$PM_TX" "$PM_DRAIN"); NA_RATE=$(rate "$NA_TX" "$NA_DRAIN")
PM_RATE_C=$(rate "$PM_TX" "$PM_DRAIN_CONFIRMED"); NA_RATE_A=$(rate "$NA_TX" "$NA_DRAIN_APPLIED")
PM_MBS=$(calc '"%.1f", '"$PM_WAL / 1048576 / $PM_DRAIN"); NA_MBS=$(calc '"%.1f", '"$NA_WAL / 1048576 / $NA_DRAIN")
PM_RATE_READING=$(calc '"%.0f", '"$PM_TX / ($T_PM_APPLIED - $T_PM_ACTIVE)")
NA_RATE_READING=$(calc '"%.0f", '"$NA_TX / ($T_NA_CONFIRMED - $T_NA_ACTIVE)")
cpu_of() { echo "$1" | awk -F'\t' -v pat="$2" '$1 ~ pat { s += $2 } END { printf "%.1f", s }'; }
PM_CPU_SUM=$(cpu_of "$PM_CPU" '^(pgmove|target: backend bench|source: walsender.*)$')
NA_CPU_SUM=$(cpu_of "$NA_CPU" '^(target: logical replication apply worker|source: walsender.*)$')
PM_CPU_PER=$(calc '"%.2f", '"$PM_CPU_SUM * 1000 / $PM_TX"); NA_CPU_PER=$(calc '"%.2f", '"$NA_CPU_SUM * 1000 / $NA_TX")
RATIO=$(calc '"%.2f", '"$PM_RATE / $NA_RATE")
RATIO_SAME=$(calc '"%.2f", '"$PM_RATE_C / $NA_RATE")
cpu_table() { awk -F'\t' '{ printf "| %s | %s s | %s %% |\n", $1, $2, $3 }'; }
steady_line() { # "name k=v ..." -> markdown row
  awk -v who="$1" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "| %s | vs %s | %s | %s | %s | %s | %s | %s |\n", who, $1, v["median_bytes"], v["p95_bytes"], v["max_bytes"], v["median_s"], v["p95_s"], v["max_s"] }'
}
RESULT=$(cat <<EOF
## Drain benchmark, $START_DATE

- Command: \`$COMMAND_LINE\` (pgmove: $PGMOVE_VERSION)
- Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; load average at start $LOAD_START, at end $LOAD_END
- Source PostgreSQL $SRC_VERSION (wal_level logical), target PostgreSQL $TGT_VERSION (wal_level replica), both:
  fsync = $FSYNC, synchronous_commit = on, full_page_writes = on, shared_buffers 1GB, max_wal_size 4GB,
  checkpoint_timeout 30min, autovacuum on (default); CHECKPOINT on both before each drain.
  The subscription runs with its default synchronous_commit = off; PgMove commits each group with synchronous_commit = on.
- Data: pgbench scale $SCALE ($DB_MIB MiB), pgbench_history with a bigserial primary key; backlog: \`pgbench -n -c $CLIENTS -j $CLIENTS -T $DURATION\`

| contender | backlog | drain to applied | drain to confirmed | tx/s (primary) | WAL MiB/s | slot read after / first position applied after | PgMove peak RSS |
|---|---|---|---|---|---|---|---|
| PgMove | $PM_TX tx ($PM_TPS tps), $(mib "$PM_WAL") MiB WAL | **$PM_DRAIN s** | $PM_DRAIN_CONFIRMED s | **$PM_RATE** | $PM_MBS | $PM_ACTIVE s / $PM_FIRST s | $((PM_HWM / 1024)) MiB during the drain, ${PM_RSS_END:+$((PM_RSS_END / 1024))} MiB at exit |
| native subscription | $NA_TX tx ($NA_TPS tps), $(mib "$NA_WAL") MiB WAL | $NA_DRAIN_APPLIED s | **$NA_DRAIN s** | **$NA_RATE** | $NA_MBS | $NA_ACTIVE s / $NA_FIRST s | – |
| walsender alone (\`pg_recvlogical\` to /dev/null, PgMove's backlog) | same as PgMove's | – | $FLOOR_S s | $FLOOR_RATE | – | – | – |

Primary criterion: PgMove, the target's \`_pgmove.applied.end_lsn\` (durable); native, the slot's confirmed_flush_lsn
(durable on the target and acknowledged). **Ratio PgMove / native: $RATIO** (both on confirmed_flush_lsn: $RATIO_SAME;
PgMove $PM_RATE_C tx/s, native applied-not-yet-flushed $NA_RATE_A tx/s). Counting from the moment each one reads its
slot (leaving out process start and connections): PgMove $PM_RATE_READING tx/s, native $NA_RATE_READING tx/s.
CPU per 1000 backlog transactions (contender's processes: pgmove + its target backend + walsenders, or apply worker +
walsender): PgMove $PM_CPU_PER s ($PM_CPU_SUM s), native $NA_CPU_PER s ($NA_CPU_SUM s).

CPU during the PgMove drain ($PM_DRAIN s):

| process | CPU | of one core |
|---|---|---|
$(echo "$PM_CPU" | cpu_table)

CPU during the native drain ($NA_DRAIN s):

| process | CPU | of one core |
|---|---|---|
$(echo "$NA_CPU" | cpu_table)

Steady lag: \`pgbench -c $STEADY_CLIENTS -T $STEADY_SECONDS\` while streaming (PgMove: $PM_STEADY_TPS tps, native: $NA_STEADY_TPS tps),
sampled about every 0.5 s (slower when the machine is busy): source pg_current_wal_lsn against the target's applied
position (read just before, so the lag is if anything overstated) and against the slot's confirmed_flush_lsn;
seconds = how long before the sample the source's WAL went past that position (interpolated between samples).

| contender | position | median bytes | p95 bytes | max bytes | median s | p95 s | max s |
|---|---|---|---|---|---|---|---|
$(echo "$PM_STEADY" | steady_line PgMove)
$(echo "$NA_STEADY" | steady_line native)

PgMove's own view (\`pgmove status --json\` every 2 s): $PM_STATUS_LAG

CPU during the PgMove steady run:

| process | CPU | of one core |
|---|---|---|
$(echo "$PM_STEADY_CPU" | cpu_table)

Consistency after catching up (counts and balance sums, source against target): PgMove $PM_CONSISTENT; native $NA_CONSISTENT.
pgmove detach exit codes: first start $DETACH_RC, draining start ${PM_EXIT:-?}.
EOF
)
echo "$RESULT"
if [[ -n ${OUTPUT:-} ]]; then echo "$RESULT" >"$OUTPUT"; log "result written to $OUTPUT"; fi
