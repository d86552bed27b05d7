#!/usr/bin/env bash
# Cutover benchmark: how long the applications' writes stop when PgMove cuts over, with the switch through PgBouncer
# (`pgmove cutover --pgbouncer`) and, side by side in the same run, without a pooler (`pgmove cutover --freeze-source`).
# PostgreSQL 15 source, PostgreSQL 17 target, on fresh throwaway servers on loopback.
#
#   bench/cutover-bench.sh [SCALE] [SECONDS] [CLIENTS]      # defaults: scale 10, 40 s, 8 clients
#
# Each round runs two parts, each on its own fresh pair of servers (same settings, same data set), one after the
# other (A then B in odd rounds, B then A in even ones):
# A. Through PgBouncer: database bench = `pgbench -i -s SCALE` (pgbench_history given a bigserial primary key) plus
#    SEQUENCES sequences seq_1… (default 100); PgBouncer (Debian's, pool_mode = transaction, run as the postgres OS
#    user) with the entry `bench = host=127.0.0.1 port=SOURCE dbname=bench`. `pgmove start --ignore-db postgres
#    --log-file …` in the background until syncing; then `pgbench -c CLIENTS -j 2 -T SECONDS -l` through PgBouncer
#    with a script that is the builtin TPC-B-like transaction plus `SELECT nextval('seq_N')` (N random among the
#    sequences) inside it, so that every transaction adds one history row and calls one sequence once; CUTOVER_AFTER s
#    (default 10) after pgbench started, `pgmove cutover --pgbouncer postgres://postgres@127.0.0.1:BOUNCER/pgbouncer`.
#    Reported: pgmove's pause ("client queries waited N ms"), the longest client transaction and the longest time in
#    which no client transaction completed (from pgbench's per-transaction logs), transactions of 1 s or more,
#    pgbench's failed transactions, aborted clients and exit status, transactions processed, the source's freeze
#    ("X s until the target was verified"), the cutover's steps (from the runner's log and PgBouncer's log), and a
#    check: on the target count(pgbench_history) = pgbench's processed count, sum(abalance) = sum(delta), the
#    sequences' calls (sum of last_value over the called ones) = the processed count (the values copied at the switch
#    and the calls after it on the target), PgBouncer's entry now leads to the target, the source is read-only.
# B. Without a pooler: the same data set and migration, pgbench -c CLIENTS directly against the source, and
#    CUTOVER_AFTER s later `pgmove cutover --freeze-source`. Reported: pgbench's aborted clients (the freeze ends their
#    sessions; pgbench does not reconnect), failed transactions, processed, how long writes stop (the result's
#    "X s until the target was verified", and measured: from the last transaction a client completed to the
#    cutover's end), and the same check (target against the frozen source, and pgbench's processed count). The
#    applications would still have to be pointed at the target by hand after that: not measured.
#
# Environment:
#   ROUNDS=N                      repeat the two parts N times (default 1); every round is reported
#   CUTOVER_AFTER=S               seconds of load before the cutover (default 10; less than SECONDS)
#   SEQUENCES=N                   sequences used by the load (default 100)
#   FSYNC=on|off                  fsync of the servers (default on; synchronous_commit stays on)
#   PGMOVE_REF=<ref>              build pgmove from `git archive <ref>` instead of the work tree
#   PGMOVE_BIN=<path>             use this pgmove (a published program, or a pgmove.dll), build nothing
#   OUTPUT=<file>                 also write the markdown result there (it always goes to stdout)
#   KEEP_LOGS=<dir>               copy every log there before the temporary directory is deleted
# Needs root (servers and PgBouncer run as the postgres OS user), Debian's PostgreSQL 15 and PgBouncer, PostgreSQL 17
# in /var/cache/pgmove/postgres/17 (scripts/install-deps.sh).
# Everything it starts (servers, PgBouncer, pgmove, pgbench) is stopped and its directory deleted on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib/common.sh
source bench/lib/common.sh
# shellcheck source=bench/lib/pgmove.sh
source bench/lib/pgmove.sh

SCALE=${1:-10}
DURATION=${2:-40}
CLIENTS=${3:-8}
ROUNDS=${ROUNDS:-1}
CUTOVER_AFTER=${CUTOVER_AFTER:-10}
SEQUENCES=${SEQUENCES:-100}
FSYNC=${FSYNC:-on}
usage="usage: $0 [SCALE] [SECONDS] [CLIENTS]   (environment: ROUNDS, CUTOVER_AFTER, SEQUENCES, FSYNC, PGMOVE_BIN, PGMOVE_REF, OUTPUT, KEEP_LOGS)"
[[ $# -le 3 ]] || { echo "$usage" >&2; exit 2; }
[[ $SCALE =~ ^[0-9]+$ && $SCALE -ge 1 ]] || { echo "$usage  (SCALE: a positive number)" >&2; exit 2; }
[[ $CLIENTS =~ ^[0-9]+$ && $CLIENTS -ge 1 && $CLIENTS -le 64 ]] || { echo "$usage  (CLIENTS 1–64)" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || { echo "ROUNDS must be a positive number" >&2; exit 2; }
[[ $SEQUENCES =~ ^[0-9]+$ && $SEQUENCES -ge 1 && $SEQUENCES -le 10000 ]] || { echo "SEQUENCES must be a number from 1 to 10000" >&2; exit 2; }
[[ $CUTOVER_AFTER =~ ^[0-9]+$ && $CUTOVER_AFTER -ge 1 ]] || { echo "CUTOVER_AFTER must be a positive number of seconds" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt $CUTOVER_AFTER ]] || { echo "$usage  (SECONDS: more than CUTOVER_AFTER = $CUTOVER_AFTER)" >&2; exit 2; }
[[ $FSYNC == on || $FSYNC == off ]] || { echo "FSYNC must be on or off" >&2; exit 2; }
JOBS=$((CLIENTS < 2 ? CLIENTS : 2))

PG15=/usr/lib/postgresql/15/bin
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"
PG17=$CACHE/17/bin
PG17LIB=$CACHE/17/lib
BOUNCER=/usr/sbin/pgbouncer
[[ -x $PG15/postgres && -x $PG15/pgbench && -x $PG15/psql ]] || { echo "Debian's PostgreSQL 15 is missing: run scripts/install-deps.sh" >&2; exit 1; }
[[ -x $PG17/postgres ]] || { echo "PostgreSQL 17 is missing in $CACHE/17: run scripts/install-deps.sh" >&2; exit 1; }
[[ -x $BOUNCER ]] || { echo "PgBouncer is missing ($BOUNCER): run scripts/install-deps.sh" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (the servers and PgBouncer run as the postgres OS user)" >&2; exit 1; }
COMMAND_LINE="bench/cutover-bench.sh $SCALE $DURATION $CLIENTS"
ENV_NOTE=""
[[ $ROUNDS != 1 ]] && ENV_NOTE+="ROUNDS=$ROUNDS "
[[ $CUTOVER_AFTER != 10 ]] && ENV_NOTE+="CUTOVER_AFTER=$CUTOVER_AFTER "
[[ $SEQUENCES != 100 ]] && ENV_NOTE+="SEQUENCES=$SEQUENCES "
[[ $FSYNC != on ]] && ENV_NOTE+="FSYNC=$FSYNC "
COMMAND_LINE="$ENV_NOTE$COMMAND_LINE"

# ---------------------------------------------------------------------------------------------------------------
# Scratch space and cleanup.
WORK=$(mktemp -d /tmp/pgmove-cutover.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
SERVER_DIRS=()
OWN_PIDS=()      # pgmove start processes, stopped at exit even if no longer our children
BOUNCER_PIDS=()  # PgBouncer processes (setpriv execs into pgbouncer: the pid is PgBouncer's)

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pids
  pids=$(descendants $$ || true)
  for pid in "${OWN_PIDS[@]}"; do   # only if that process id is still one of our pgmove processes
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$PGMOVE start --state $WORK/" && pids+=" $pid"
  done
  for pid in "${BOUNCER_PIDS[@]}"; do
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$BOUNCER $WORK/" && pids+=" $pid"
  done
  if [[ -n ${pids// /} ]]; then
    kill -TERM $pids 2>/dev/null || true   # PgBouncer: SIGTERM is its immediate shutdown
    for _ in $(seq 30); do
      local alive=
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [[ -z $alive ]] && break
      sleep 0.1
    done
    kill -KILL $pids 2>/dev/null || true
  fi
  for dir in "${SERVER_DIRS[@]}"; do stop_server "$dir"; done
  if [[ -n ${KEEP_LOGS:-} ]]; then
    mkdir -p "$KEEP_LOGS" && cp -r "$WORK/logs/." "$KEEP_LOGS/" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
exec 3>&2   # the script's own stderr, for the traps (a signal can arrive while a step's stderr goes to its log)
trap 'echo "interrupted" >&3; exit 130' INT
trap 'echo "terminated" >&3; exit 143' TERM

stop_server() { # dir: immediate shutdown (everything is thrown away), its log kept
  local dir=$1
  if [[ -f $dir/data/postmaster.pid ]]; then
    local pm; pm=$(head -1 "$dir/data/postmaster.pid")
    kill -QUIT "$pm" 2>/dev/null || true
    for _ in $(seq 50); do [[ $(awk '{print $3}' "/proc/$pm/stat" 2>/dev/null || echo gone) =~ ^(Z|gone)$ ]] && break; sleep 0.1; done
    kill -KILL "$pm" 2>/dev/null || true
  fi
  [[ -f $dir/server.log ]] && cp "$dir/server.log" "$WORK/logs/$(basename "$dir")-server.log" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------------------
# PgMove, built in a private directory (other builds of the work tree may be running).
pgmove_under_test "$WORK/build" "$WORK/logs/build.log" || exit 1
pgmove() { "${PGMOVE_CMD[@]}" "$@"; }

# ---------------------------------------------------------------------------------------------------------------
# Servers and PgBouncer.
SERVER_SETTINGS=$(server_settings "$FSYNC")
export PGUSER=postgres PGHOST=127.0.0.1 PGSSLMODE=disable
unset PGPORT PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS

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
log_line_prefix = '%m [%p] %q%a '
$SERVER_SETTINGS
EOF
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
  log "started $name: $(env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/postgres" --version) on 127.0.0.1:$port"
}

start_bouncer() { # dir source-port: sets BPORT, BOUNCER_PID, BOUNCER_INI, BOUNCER_LOG
  local dir=$1 src=$2
  install -d -o postgres -g postgres "$dir"
  BPORT=$(free_port)
  BOUNCER_INI=$dir/pgbouncer.ini BOUNCER_LOG=$dir/pgbouncer.log
  printf '"postgres" ""\n' >"$dir/userlist.txt"
  cat >"$BOUNCER_INI" <<EOF
; written by bench/cutover-bench.sh
[databases]
bench = host=127.0.0.1 port=$src dbname=bench

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BPORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = postgres
pool_mode = transaction
pidfile = $dir/pgbouncer.pid
logfile = $BOUNCER_LOG
max_client_conn = 200
default_pool_size = $((CLIENTS + 2))
ignore_startup_parameters = extra_float_digits,options
server_login_retry = 1
EOF
  chown postgres:postgres "$dir/userlist.txt" "$BOUNCER_INI"
  setpriv --reuid=postgres --regid=postgres --init-groups -- "$BOUNCER" "$BOUNCER_INI" >"$dir/stdout.log" 2>&1 &
  BOUNCER_PID=$!
  BOUNCER_PIDS+=("$BOUNCER_PID")
  for _ in $(seq 300); do
    kill -0 "$BOUNCER_PID" 2>/dev/null || { cat "$dir/stdout.log" "$BOUNCER_LOG" >&2 2>/dev/null; fail "PgBouncer exited during start-up"; }
    "$PG15/psql" -X -q -p "$BPORT" -d pgbouncer -Atc "SHOW VERSION" >/dev/null 2>&1 && break
    sleep 0.1
  done
  "$PG15/psql" -X -q -p "$BPORT" -d pgbouncer -Atc "SHOW VERSION" >/dev/null 2>&1 || fail "PgBouncer did not answer on port $BPORT"
  log "started PgBouncer $("$BOUNCER" --version | head -1 | awk '{print $2}') on 127.0.0.1:$BPORT (pool_mode = transaction), bench -> 127.0.0.1:$src"
}

stop_bouncer() {
  kill -TERM "$BOUNCER_PID" 2>/dev/null || true
  wait "$BOUNCER_PID" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------------------
# The load: the builtin TPC-B-like transaction with one sequence call inside it.
SCRIPT=$WORK/tpcb-seq.sql
cat >"$SCRIPT" <<EOF
\set aid random(1, 100000 * $SCALE)
\set bid random(1, $SCALE)
\set tid random(1, 10 * $SCALE)
\set delta random(-5000, 5000)
\set sid random(1, $SEQUENCES)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
SELECT nextval(format('seq_%s', :sid)::regclass);
END;
EOF
chmod 644 "$SCRIPT"

# pgbench's per-transaction logs (PostgreSQL 15: "client tx latency_us script epoch us", latency "failed" for a
# failed one): count, latencies, the longest time without any completed transaction, the last completion.
cat >"$WORK/txlog.py" <<'EOF'
import glob, json, sys
prefix, start, t_cut, t_done = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ends, lat, failed = [], [], 0
for name in glob.glob(prefix + ".*"):
    for line in open(name):
        f = line.split()
        if len(f) < 6:
            continue
        end = int(f[4]) + int(f[5]) / 1e6
        if f[2] == "failed":
            failed += 1
            continue
        ends.append(end)
        lat.append((int(f[2]) / 1000.0, end))
ends.sort()
lat.sort()
# The longest interval without a completed transaction, from pgbench's start to the last completion.
gap, gap_at, previous = 0.0, start, start
for e in ends:
    if e - previous > gap:
        gap, gap_at = e - previous, previous
    previous = e
worst = lat[-1] if lat else (0.0, start)
def pct(p):
    return lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))][0] if lat else 0.0
print(json.dumps({
    "logged": len(lat), "failed_logged": failed,
    "max_ms": round(worst[0], 1), "max_ended_s": round(worst[1] - t_cut, 2),
    "p50_ms": round(pct(0.5), 1), "p99_ms": round(pct(0.99), 1),
    "over_1s": sum(1 for l, _ in lat if l >= 1000), "over_100ms": sum(1 for l, _ in lat if l >= 100),
    "gap_ms": round(gap * 1000, 1), "gap_from_s": round(gap_at - t_cut, 2),
    "last_end_s": round(ends[-1] - t_cut, 2) if ends else None,
    "stop_measured_s": round(t_done - max([e for e in ends if e <= t_done] or [start]), 2),
}))
EOF

# The runner's log (Serilog compact JSON) and PgBouncer's log: when each step of the cutover happened, in seconds
# after the cutover command started.
cat >"$WORK/steps.py" <<'EOF'
import datetime, json, re, sys
runner_log, bouncer_log, t_cut = sys.argv[1], sys.argv[2], float(sys.argv[3])
names = {4001: "requested", 4008: "paused", 4002: "caught up", 4009: "resumed", 4004: "verifying", 4005: "dropping", 4010: "ROLLED BACK", 4006: "REFUSED"}
steps = []
def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
try:
    for line in open(runner_log):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        eid = (event.get("EventId") or {}).get("Id")
        if eid in names and "@t" in event:
            t = event["@t"]
            t = re.sub(r"(\.\d{6})\d+", r"\1", t)
            steps.append((at(t) - t_cut, names[eid]))
except OSError:
    pass
try:
    for line in open(bouncer_log):
        m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\S+) .*?(PAUSE|RESUME|RELOAD)( '[^']*')? command issued", line)
        if m:
            zone = m.group(2)
            t = datetime.datetime.fromisoformat(m.group(1))
            if zone == "UTC":
                t = t.replace(tzinfo=datetime.timezone.utc)
            steps.append((t.timestamp() - t_cut, "PgBouncer " + m.group(3)))
except OSError:
    pass
steps.sort()
print(", ".join(f"{name} {s:+.2f} s" for s, name in steps) or "no steps found")
# Through PgBouncer: where the pause went (each interval between two steps that happen in this order).
first = {}
for s, name in steps:
    first.setdefault(name, s)
parts = [("PgBouncer PAUSE", "paused", "running transactions ending"),
         ("paused", "caught up", "freeze, the target applying the last changes"),
         ("caught up", "PgBouncer RELOAD", "sequences and large objects copied, the ini rewritten"),
         ("PgBouncer RELOAD", "PgBouncer RESUME", "RELOAD checked, the target's snapshot exported")]
if "PgBouncer PAUSE" in first and "PgBouncer RESUME" in first:
    print("; ".join(f"{why} {1000 * (first[b] - first[a]):.0f} ms" for a, b, why in parts if a in first and b in first))
else:
    print("")
EOF

pgbench_field() { # log regex: the first number after the pattern
  sed -nE "s/^$2[^0-9]*([0-9.]+).*/\1/p" "$1" | head -1
}

# ---------------------------------------------------------------------------------------------------------------
# One part: a fresh pair of servers, the data set, a syncing migration, pgbench, the cutover; the figures in R_*.
run_part() { # round part (A: through PgBouncer, B: without a pooler)
  local round=$1 part=$2 tag="r$1-$(echo "$2" | tr 'AB' 'ab')"
  local L="$WORK/logs/$tag" i
  local src_port tgt_port state="$WORK/$tag-state.db"
  log "round $round, part $part ($( [[ $part == A ]] && echo "through PgBouncer" || echo "without a pooler, --freeze-source")): load average $(cut -d' ' -f1-3 /proc/loadavg)"
  R_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
  src_port=$(free_port); tgt_port=$(free_port)
  start_cluster "$tag-source" "$PG15" "" "$src_port" logical
  start_cluster "$tag-target" "$PG17" "$PG17LIB" "$tgt_port" replica
  sq() { "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$src_port" "$@"; }
  tq() { "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$tgt_port" "$@"; }
  SRC_VERSION=$(sq -Atc "SHOW server_version"); TGT_VERSION=$(tq -Atc "SHOW server_version")

  sq -c "CREATE DATABASE bench"
  run "$PG15/pgbench" -q -i -s "$SCALE" -p "$src_port" bench >"$L-pgbench-init.log" 2>&1 || { cat "$L-pgbench-init.log" >&2; fail "pgbench -i"; }
  sq -d bench -c "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY"
  sq -d bench -Atc "SELECT format('CREATE SEQUENCE seq_%s;', g) FROM generate_series(1, $SEQUENCES) g" | sq -d bench >/dev/null
  sq -d bench -c "VACUUM ANALYZE"

  if [[ $part == A ]]; then start_bouncer "$WORK/$tag-bouncer" "$src_port"; fi

  export PGMOVE_SOURCE="postgres://postgres@127.0.0.1:$src_port/postgres?sslmode=disable"
  export PGMOVE_TARGET="postgres://postgres@127.0.0.1:$tgt_port/postgres?sslmode=disable"
  log "pgmove start --ignore-db postgres: copying, until syncing"
  "${PGMOVE_CMD[@]}" start --state "$state" --ignore-db postgres --log-file "$L-runner.jsonl" >"$L-pgmove-start.log" 2>&1 &
  local runner=$!
  OWN_PIDS+=("$runner")
  for i in $(seq 900); do
    sleep 1
    kill -0 "$runner" 2>/dev/null || { cat "$L-pgmove-start.log" >&2; fail "pgmove start exited before syncing"; }
    pgmove status --state "$state" --json 2>/dev/null | grep -q '"status": "syncing"' && break
    [[ $i -lt 900 ]] || fail "pgmove did not reach syncing in 15 minutes"
  done
  log "syncing"

  local host_port=$src_port how="directly against the source"
  if [[ $part == A ]]; then host_port=$BPORT how="through PgBouncer"; fi
  log "pgbench -c $CLIENTS -j $JOBS -T $DURATION -l $how; cutover after $CUTOVER_AFTER s"
  local t_start; t_start=$(now)
  ( cd "$WORK" && exec "$PG15/pgbench" -n -c "$CLIENTS" -j "$JOBS" -T "$DURATION" -l --log-prefix="$L-tx" -f "$SCRIPT" -p "$host_port" bench ) \
    >"$L-pgbench.log" 2>&1 &
  local bench=$!
  sleep "$CUTOVER_AFTER"
  local cut=(cutover --state "$state")
  if [[ $part == A ]]; then cut+=(--pgbouncer "postgres://postgres@127.0.0.1:$BPORT/pgbouncer?sslmode=disable"); else cut+=(--freeze-source); fi
  log "pgmove ${cut[*]}"
  local t_cut t_done cut_rc=0
  t_cut=$(now)
  run "${PGMOVE_CMD[@]}" "${cut[@]}" >"$L-cutover.log" 2>&1 || cut_rc=$?
  t_done=$(now)
  R_CUT_S=$(calc '"%.2f", '"$t_done - $t_cut")
  R_CUT_RC=$cut_rc
  log "cutover exited $cut_rc after $R_CUT_S s"
  [[ $cut_rc -eq 0 ]] || { cat "$L-cutover.log" >&2; log "the cutover failed (exit $cut_rc): the figures below say what happened"; }
  local bench_rc=0
  wait "$bench" || bench_rc=$?
  R_BENCH_RC=$bench_rc
  for i in $(seq 600); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$runner" 2>/dev/null; then log "pgmove start still running 60 s after the cutover: SIGTERM"; kill -TERM "$runner"; fi
  wait "$runner" 2>/dev/null || true

  # pgmove's result (the text is wrapped by the console: join the lines first).
  local result; result=$(tr '\n' ' ' <"$L-cutover.log" | tr -s ' ')
  R_PAUSE=$(grep -oE 'client queries waited [0-9]+ ms' <<<"$result" | grep -oE '[0-9]+' | head -1 || true)
  R_FROZEN=$(grep -oE '\(([0-9.,]+) s until the target was verified' <<<"$result" | grep -oE '[0-9.,]+' | head -1 | tr -d , || true)
  R_PROCESSED=$(pgbench_field "$L-pgbench.log" "number of transactions actually processed")
  R_FAILED=$(pgbench_field "$L-pgbench.log" "number of failed transactions")
  R_ABORTED=$(grep -cE 'client [0-9]+ (script [0-9]+ )?aborted' "$L-pgbench.log" || true)
  R_TPS=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$L-pgbench.log" | head -1 | awk '{ printf "%.0f", $1 }')
  R_TX=$(python3 "$WORK/txlog.py" "$L-tx" "$t_start" "$t_cut" "$t_done")
  local steps; steps=$(python3 "$WORK/steps.py" "$L-runner.jsonl" "${BOUNCER_LOG:-/nonexistent}" "$t_cut")
  R_STEPS=$(head -1 <<<"$steps"); R_BREAKDOWN=$(sed -n 2p <<<"$steps")
  log "pgbench exit $bench_rc: processed ${R_PROCESSED:-?}, failed ${R_FAILED:-?}, aborted clients $R_ABORTED; transactions: $R_TX"
  log "cutover steps (s after the command): $R_STEPS"
  [[ -z $R_BREAKDOWN ]] || log "the pause: $R_BREAKDOWN"

  # The check, on the target (and the frozen source).
  local count sums seqcalls srccount srcseq entry readonly
  count=$(tq -d bench -Atc "SELECT count(*) FROM pgbench_history")
  sums=$(tq -d bench -Atc "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT coalesce(sum(delta), 0) FROM pgbench_history)")
  # Calls of the load's sequences: each starts at 1 and steps by 1, so a called one's last value is its number of calls.
  local seq_sql="SELECT coalesce(sum(pg_sequence_last_value(c.oid)), 0) FROM pg_class c WHERE c.relkind = 'S' AND c.relname ~ '^seq_[0-9]+\$'"
  seqcalls=$(tq -d bench -Atc "$seq_sql")
  srccount=$(sq -d bench -Atc "SELECT count(*) FROM pgbench_history")
  srcseq=$(sq -d bench -Atc "$seq_sql")
  readonly=$(sq -d bench -Atc "SHOW default_transaction_read_only")
  R_CHECK="target history rows $count"
  local ok=1
  if [[ $count == "${R_PROCESSED:-x}" ]]; then R_CHECK+=" = processed"; else R_CHECK+=" ≠ processed ${R_PROCESSED:-?}"; ok=; fi
  if [[ $sums == t ]]; then R_CHECK+="; sum(abalance) = sum(delta)"; else R_CHECK+="; sum(abalance) ≠ sum(delta)"; ok=; fi
  # nextval is not undone by a rollback: a client whose session the freeze ended after its nextval leaves one call
  # more than its transactions (part B); through PgBouncer no transaction may fail, so the calls equal the count.
  if [[ $seqcalls == "${R_PROCESSED:-x}" ]]; then R_CHECK+="; sequence calls $seqcalls = processed"
  elif [[ $part == B && -n ${R_PROCESSED:-} && $seqcalls -gt $R_PROCESSED && $seqcalls -le $((R_PROCESSED + R_ABORTED)) ]]; then
    R_CHECK+="; sequence calls $seqcalls = processed + $((seqcalls - R_PROCESSED)) of the aborted clients' transactions (nextval is not rolled back)"
  else R_CHECK+="; sequence calls $seqcalls ≠ processed"; ok=; fi
  if [[ $part == A ]]; then
    entry=$("$PG15/psql" -X -q -p "$BPORT" -d bench -Atc "SELECT inet_server_port()" 2>&1 || true)
    if [[ $entry == "$tgt_port" ]]; then R_CHECK+="; PgBouncer's bench leads to the target"; else R_CHECK+="; PgBouncer's bench leads to port $entry, not the target's $tgt_port"; ok=; fi
    grep -q "port=$tgt_port" "$BOUNCER_INI" || { R_CHECK+=" (the ini does not name the target)"; ok=; }
    [[ $srccount -le $count ]] || { R_CHECK+="; the source has more history rows ($srccount)"; ok=; }
  else
    if [[ $srccount == "$count" && $srcseq == "$seqcalls" ]]; then R_CHECK+="; the frozen source has the same"; else R_CHECK+="; the frozen source has $srccount rows, $srcseq sequence calls"; ok=; fi
  fi
  if [[ $readonly == on ]]; then R_CHECK+="; source read-only"; else R_CHECK+="; the source is NOT read-only"; ok=; fi
  R_OK=${ok:+ok}; R_OK=${R_OK:-FAILED}
  log "check ($R_OK): $R_CHECK"

  if [[ $part == A ]]; then stop_bouncer; cp "$BOUNCER_LOG" "$L-pgbouncer.log" 2>/dev/null || true; cp "$BOUNCER_INI" "$L-pgbouncer.ini" 2>/dev/null || true; fi
  stop_server "$WORK/$tag-source"; stop_server "$WORK/$tag-target"
  rm -rf "$WORK/$tag-source" "$WORK/$tag-target" "$WORK/$tag-bouncer"
  BOUNCER_LOG=
}

json() { python3 -c 'import json, sys; v = json.loads(sys.argv[1]).get(sys.argv[2]); print("–" if v is None else v)' "$1" "$2"; }

START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS="" STEPS="" PAUSES="" STOPS="" ALL_OK=1
for round in $(seq "$ROUNDS"); do
  order="A B"; (( round % 2 == 0 )) && order="B A"
  for part in $order; do
    BOUNCER_LOG=
    run_part "$round" "$part"
    [[ $R_OK == ok && $R_CUT_RC == 0 ]] || ALL_OK=
    ld=$(cut -d' ' -f1 <<<"$R_LOAD")
    if [[ $part == A ]]; then
      ROWS+="| $round | A: PgBouncer switch | $ld | **${R_PAUSE:-?} ms** (pause) | $(json "$R_TX" max_ms) ms | $(json "$R_TX" gap_ms) ms | $(json "$R_TX" over_1s) | ${R_FAILED:-?} | $R_ABORTED (exit $R_BENCH_RC) | ${R_PROCESSED:-?} (${R_TPS:-?} tps) | ${R_FROZEN:-?} s | $R_CUT_S s (exit $R_CUT_RC) | $R_OK |"$'\n'
      STEPS+="- Round $round, A: $R_STEPS.${R_BREAKDOWN:+ The pause: $R_BREAKDOWN.} The transaction logs: p50 $(json "$R_TX" p50_ms) ms, p99 $(json "$R_TX" p99_ms) ms, $(json "$R_TX" over_100ms) of 100 ms or more; longest gap from $(json "$R_TX" gap_from_s) s. Check: $R_CHECK."$'\n'
      PAUSES+="${R_PAUSE:-} "
    else
      ROWS+="| $round | B: --freeze-source, no pooler | $ld | **$(json "$R_TX" stop_measured_s) s** (last tx → cutover done) | $(json "$R_TX" max_ms) ms | – ($R_ABORTED of $CLIENTS clients aborted) | $(json "$R_TX" over_1s) | ${R_FAILED:-?} | **$R_ABORTED** (exit $R_BENCH_RC) | ${R_PROCESSED:-?} (${R_TPS:-?} tps) | ${R_FROZEN:-?} s | $R_CUT_S s (exit $R_CUT_RC) | $R_OK |"$'\n'
      STEPS+="- Round $round, B: $R_STEPS; last transaction completed at $(json "$R_TX" last_end_s) s, the cutover ended at $R_CUT_S s. Check: $R_CHECK."$'\n'
      STOPS+="$(json "$R_TX" stop_measured_s) "
    fi
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
MED_PAUSE=$(median <<<"$PAUSES"); MED_STOP=$(median <<<"$STOPS")
RATIO=$( [[ $MED_PAUSE != "?" && $MED_STOP != "?" && $MED_PAUSE != 0 ]] && calc '"%.0f", '"$MED_STOP * 1000 / $MED_PAUSE" || echo "?")

RESULT=$(cat <<EOF
## Cutover benchmark, $START_DATE

- Command: \`$COMMAND_LINE\` (pgmove: $PGMOVE_VERSION)
- Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM;
  **load average at start $LOAD_START**, at end $LOAD_END (other work shares the cores: see the load column)
- Source PostgreSQL $SRC_VERSION (wal_level logical), target PostgreSQL $TGT_VERSION; fsync = $FSYNC, synchronous_commit = on,
  shared_buffers 1GB; each part on its own fresh pair of servers. PgBouncer $("$BOUNCER" --version | head -1 | awk '{print $2}'), pool_mode = transaction.
- Data: pgbench scale $SCALE, pgbench_history with a bigserial key, $SEQUENCES sequences; load: \`pgbench -n -c $CLIENTS -j $JOBS -T $DURATION -l\`
  with the builtin TPC-B-like transaction plus one \`nextval\` of a random one of the $SEQUENCES sequences; the cutover $CUTOVER_AFTER s after pgbench started.
- A: through PgBouncer, \`pgmove cutover --pgbouncer postgres://postgres@127.0.0.1:PORT/pgbouncer\`.
  B: pgbench directly against the source, \`pgmove cutover --freeze-source\` (the applications would then still
  have to be pointed at the target by hand: not included).

| round | part | load | writes stopped | longest client tx | longest time with no tx completed | tx ≥ 1 s | failed tx | aborted clients | processed | source frozen until verified | cutover command | check |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
$ROWS
**Median pause through PgBouncer: $MED_PAUSE ms; median write stop without a pooler: $MED_STOP s (≈ $RATIO × longer, before
any repointing).** Goal (issue 17): pause < 1 s with $SEQUENCES sequences and 0 failed client transactions.

"writes stopped": A, pgmove's reported pause (PAUSE sent → RESUME answered); B, from the last transaction a client
completed to the end of the cutover command (measured). "longest client tx": the longest latency in pgbench's
per-transaction logs. "source frozen until verified": the cutover result's "X s until the target was verified"
(from the freeze to the end of the verification; through PgBouncer the clients write to the target long before).
Steps, in seconds after the cutover command started (the runner's log: requested, paused = PAUSE answered,
caught up = every stream reached its mark after the freeze, resumed, verifying, dropping; PgBouncer's log: the
commands it received):

$STEPS
EOF
)
echo "$RESULT"
if [[ -n ${OUTPUT:-} ]]; then echo "$RESULT" >"$OUTPUT"; log "result written to $OUTPUT"; fi
[[ -n $ALL_OK ]] || { log "a cutover failed or a check did not hold: see the table"; exit 1; }
