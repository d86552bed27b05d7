#!/usr/bin/env bash
# Snapshot-copy benchmark: `pgmove copy` against the usual ways of copying a PostgreSQL database, and against the
# machine's own limit, on one pair of fresh throwaway servers (PostgreSQL 15 source, PostgreSQL 17 target) on loopback.
#
#   bench/copy-bench.sh [SCALE] [JOBS]        # defaults: scale 50, 4 jobs
#
# Contenders, each starting from the same empty target (the target database is dropped and recreated between them):
#   pgmove     pgmove copy --jobs JOBS                               (peak RSS from /usr/bin/time -v)
#   dump_fc    pg_dump -Fc | pg_restore                              (one stream) + ANALYZE
#   dump_fd    pg_dump -Fd -j JOBS, then pg_restore -j JOBS          + ANALYZE
#   logical    pre-data schema, publication FOR ALL TABLES, CREATE SUBSCRIPTION (copy_data) until every table is
#              'r' in pg_subscription_rel, then post-data with pg_restore -j JOBS, + ANALYZE
#   pgmove_sub pgmove start --method subscription --jobs JOBS: PgMove-orchestrated subscription (pre-data and keys,
#              publication, slot, CREATE SUBSCRIPTION with binary and streaming, post-data after the initial sync,
#              ANALYZE); timed until the migration reports `syncing`, like `logical`; the cutover that follows
#              (sequences, verify, cleanup) is untimed and shown in the breakdown
#   pgcopydb   pgcopydb clone --table-jobs JOBS --index-jobs JOBS   (Debian's package; it runs its own VACUUM ANALYZE)
#   limit_P    the machine's limit: pre-data schema, P bare `psql COPY … TO STDOUT (FORMAT binary) | psql COPY … FROM
#              STDIN (FORMAT binary)` pipes (big tables split into ctid ranges), post-data with pg_restore -j JOBS,
#              + ANALYZE; P = 2 and P = JOBS, the faster one is "the limit"
# Before the first contender, an untimed warm-up (see warm_up) brings both servers to the state every later contender
# finds, and pgmove's breakdown shows each step of its run (bench/lib/copy-phases.py): which part is fixed, which grows.
# Every contender's result is checked against the source: row counts, sum(abalance) and the other balances, an md5
# over the wide table, and the number of indexes and constraints.
#
# Environment:
#   FSYNC=on|off        fsync of both servers (default on); the same for every contender
#   ROUNDS=<n>          run every contender n times, round-robin (each round starting one contender later); the table
#                       shows each one's fastest round and the median (default 1); on a shared machine one round is noisy
#   CONTENDERS="…"      a subset, in order (default: pgmove dump_fc dump_fd logical pgmove_sub pgcopydb limit_2 limit_JOBS)
#   PGMOVE_REF=<ref>    build pgmove from a clean `git archive <ref>` instead of the work tree (e.g. HEAD)
#   PGMOVE_BIN=<path>   use this pgmove (a published program, or a pgmove.dll), build nothing
#   PGMOVE_B_BIN=<path> a second pgmove as one more contender, pgmove_b, run the same way (an A/B of a change in one
#                       run); PGMOVE_B_VERSION=<text> says in the report what it is
#   SMALL_TABLES=<n>    add n small tables (a primary key and 20 rows each) to the data set: the fixed cost per table
#   RESULTS_DIR=<dir>   where the markdown result goes (default bench/results)
#   KEEP_LOGS=<dir>     copy every contender's log there before the temp directory is deleted
# Needs root (servers run as the postgres OS user), Debian's PostgreSQL 15, and PostgreSQL 17 in
# /var/cache/pgmove/postgres/17 (scripts/install-deps.sh installs both). Installs `time` and `pgcopydb` with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=bench/lib/pgmove.sh
source bench/lib/pgmove.sh

SCALE=${1:-50}
JOBS=${2:-4}
ROUNDS_SET=${ROUNDS:+1}; FSYNC_SET=${FSYNC:+1}; CONTENDERS_SET=${CONTENDERS:+1}
FSYNC=${FSYNC:-on}
ROUNDS=${ROUNDS:-1}
SMALL_TABLES=${SMALL_TABLES:-0}
SMALL_TAG=${SMALL_TABLES#0}
[[ $SCALE =~ ^[0-9]+$ && $SCALE -ge 1 ]] || { echo "usage: $0 [SCALE] [JOBS]" >&2; exit 2; }
[[ $JOBS =~ ^[0-9]+$ && $JOBS -ge 1 && $JOBS -le 16 ]] || { echo "usage: $0 [SCALE] [JOBS]  (JOBS 1–16)" >&2; exit 2; }
[[ $FSYNC == on || $FSYNC == off ]] || { echo "FSYNC must be on or off" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || { echo "ROUNDS must be a positive number" >&2; exit 2; }
[[ $SMALL_TABLES =~ ^[0-9]+$ ]] || { echo "SMALL_TABLES must be a number" >&2; exit 2; }
if [[ $JOBS -eq 2 ]]; then default_contenders="pgmove dump_fc dump_fd logical pgmove_sub pgcopydb limit_2"
else default_contenders="pgmove dump_fc dump_fd logical pgmove_sub pgcopydb limit_2 limit_$JOBS"; fi
[[ -n ${PGMOVE_B_BIN:-} ]] && default_contenders="pgmove pgmove_b ${default_contenders#pgmove }"
read -r -a CONTENDERS <<<"${CONTENDERS:-$default_contenders}"
[[ " ${CONTENDERS[*]} " == *" pgmove_b "* && -z ${PGMOVE_B_BIN:-} ]] && { echo "contender pgmove_b needs PGMOVE_B_BIN" >&2; exit 2; }
RESULTS_DIR=${RESULTS_DIR:-$REPO/bench/results}

PG15=/usr/lib/postgresql/15/bin
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"
PG17=$CACHE/17/bin
PG17LIB=$CACHE/17/lib
[[ -x $PG15/postgres && -x $PG15/pg_dump ]] || { echo "Debian's PostgreSQL 15 is missing: run scripts/install-deps.sh" >&2; exit 1; }
[[ -x $PG17/postgres ]] || { echo "PostgreSQL 17 is missing in $CACHE/17: run scripts/install-deps.sh" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (the servers run as the postgres OS user)" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Tools: /usr/bin/time (peak RSS) and pgcopydb, from Debian, when missing.
apt_updated=
apt_install() {
  [[ -n $apt_updated ]] || { apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
[[ -x /usr/bin/time ]] || apt_install time || { echo "could not install /usr/bin/time" >&2; exit 1; }
PGCOPYDB_STATUS="installed"
if [[ " ${CONTENDERS[*]} " == *" pgcopydb "* ]] && ! command -v pgcopydb >/dev/null; then
  apt_install pgcopydb || PGCOPYDB_STATUS="not installable: apt-get install pgcopydb failed"
fi
command -v pgcopydb >/dev/null || { [[ $PGCOPYDB_STATUS == installed ]] && PGCOPYDB_STATUS="not installed"; }
PGCOPYDB_VERSION=$( (pgcopydb --version 2>&1 || true) | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -1)

# ---------------------------------------------------------------------------------------------------------------
# Scratch space and cleanup: everything this script starts is stopped, and its directory deleted, on any exit.
WORK=$(mktemp -d /tmp/pgmove-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
SERVER_DIRS=()

descendants() { local child; for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do descendants "$child"; echo "$child"; done; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Children of this script (a contender and the tools it runs), by process id.
  local pids
  pids=$(descendants $$ || true)
  if [[ -n $pids ]]; then
    kill -TERM $pids 2>/dev/null || true
    sleep 1
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
  if [[ -n ${KEEP_LOGS:-} ]]; then mkdir -p "$KEEP_LOGS" && cp -r "$WORK/logs/." "$KEEP_LOGS/" 2>/dev/null || true; fi
  rm -rf "$WORK"
  [[ -n ${PGMOVE_BUILD:-} ]] && rm -rf "$PGMOVE_BUILD"
  exit "$status"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

# A long step runs in the background and is waited for, so that a signal interrupts the wait at once.
run() { "$@" & wait $!; }
log() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------------------------------------------------------
# PgMove itself.
if [[ " ${CONTENDERS[*]} " != *" pgmove "* && " ${CONTENDERS[*]} " != *" pgmove_sub "* ]]; then
  PGMOVE=""
  PGMOVE_VERSION="not run"
else
  PGMOVE_BUILD=$(mktemp -d /tmp/pgmove-bench-build.XXXXXX)
  pgmove_under_test "$PGMOVE_BUILD" "$WORK/logs/build.log" || exit 1
fi
if [[ -n ${PGMOVE_B_BIN:-} ]]; then
  saved=("${PGMOVE_CMD[@]}")
  pgmove_command "$PGMOVE_B_BIN" || exit 1
  PGMOVE_B_CMD=("${PGMOVE_CMD[@]}")
  PGMOVE_CMD=("${saved[@]}")
  PGMOVE_B_VERSION=${PGMOVE_B_VERSION:-$PGMOVE_B_BIN}
fi

# ---------------------------------------------------------------------------------------------------------------
# Servers: the same settings on both (a tuned migration target), only wal_level differs (the source publishes).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_cluster() { # name bindir libdir port wal_level
  local name=$1 bin=$2 lib=$3 port=$4 wal=$5 dir="$WORK/$1"
  install -d -o postgres -g postgres "$dir"
  SERVER_DIRS+=("$dir")
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C -N >/dev/null
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
fsync = $FSYNC
wal_level = $wal
shared_buffers = 1GB
maintenance_work_mem = 256MB
work_mem = 32MB
max_wal_size = 4GB
checkpoint_timeout = 30min
max_parallel_maintenance_workers = 2
max_worker_processes = 16
max_wal_senders = 20
max_replication_slots = 20
max_logical_replication_workers = $((JOBS + 4))
max_sync_workers_per_subscription = $JOBS
autovacuum = off
EOF
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
  log "started $name: $(env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/postgres" --version 2>/dev/null || echo PostgreSQL) on 127.0.0.1:$port"
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
SRC_URI="postgres://postgres@127.0.0.1:$SRC_PORT/postgres?sslmode=disable"
TGT_URI="postgres://postgres@127.0.0.1:$TGT_PORT/postgres?sslmode=disable"

# ---------------------------------------------------------------------------------------------------------------
# The data set: pgbench at SCALE (pgbench_history given a bigserial primary key, and a short pgbench run so that
# history has rows and the balances are not all zero), plus bench_wide: text, jsonb and bytea values, some TOASTed.
log "loading pgbench -i -s $SCALE and bench_wide into database bench on the source"
sq -c "CREATE DATABASE bench"
run "$PG15/pgbench" -q -i -s "$SCALE" -p "$SRC_PORT" bench >"$WORK/logs/pgbench-init.log" 2>&1
sq -d bench -c "ALTER TABLE pgbench_history ADD COLUMN id bigserial PRIMARY KEY"
run "$PG15/pgbench" -n -c 2 -j 2 -t $((SCALE * 20)) -p "$SRC_PORT" bench >"$WORK/logs/pgbench-run.log" 2>&1
sq -d bench <<SQL
CREATE TABLE bench_wide (id bigint PRIMARY KEY, note text NOT NULL, doc jsonb NOT NULL, blob bytea NOT NULL);
INSERT INTO bench_wide
SELECT g,
       (SELECT string_agg(md5(g::text || '/' || i), ' ') FROM generate_series(1, CASE WHEN g % 20 = 0 THEN 200 ELSE 18 END) i),
       jsonb_build_object('id', g, 'kind', (ARRAY['a','b','c','d'])[g % 4 + 1], 'score', (g % 1000) / 7.0,
                          'tags', (SELECT jsonb_agg(left(md5(g::text || 't' || i), 12)) FROM generate_series(1, 6) i),
                          'nested', jsonb_build_object('when', '2024-01-01'::date + g % 365, 'ok', g % 2 = 0, 'ref', md5(g::text))),
       (SELECT decode(string_agg(md5(g::text || 'b' || i), ''), 'hex') FROM generate_series(1, 16) i)
FROM generate_series(1, 1500 * $SCALE) g;
CREATE INDEX bench_wide_kind ON bench_wide ((doc->>'kind'));
SQL
# SMALL_TABLES=N: N more small tables (a key and 20 rows each), created 100 per transaction (each holds a few locks).
for ((first = 1; first <= SMALL_TABLES; first += 100)); do
  sq -d bench -c "DO \$\$ BEGIN FOR i IN $first..$((first + 99 < SMALL_TABLES ? first + 99 : SMALL_TABLES)) LOOP
    EXECUTE format('CREATE TABLE small_%s (id int PRIMARY KEY, v text NOT NULL)', i);
    EXECUTE format('INSERT INTO small_%s SELECT g, md5(g::text) FROM generate_series(1, 20) g', i);
  END LOOP; END \$\$"
done
sq -d bench -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"
SRC_BYTES=$(sq -d bench -Atc "SELECT pg_database_size('bench')")
SRC_MIB=$(awk -v b="$SRC_BYTES" 'BEGIN { printf "%.0f", b / 1048576 }')
TABLES=$(sq -d bench -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
sq -d bench -Atc "SELECT format('%s %s MiB (%s rows)', relname, pg_total_relation_size(oid) / 1048576, reltuples::bigint) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname !~ '^small_' ORDER BY 1" \
  >"$WORK/logs/tables.txt"
if ((SMALL_TABLES > 0)); then echo "$SMALL_TABLES small tables (20 rows each)" >>"$WORK/logs/tables.txt"; fi
log "source database bench: $SRC_MIB MiB in $TABLES tables: $(paste -sd, "$WORK/logs/tables.txt" | sed 's/,/, /g')"

# What every copy must reproduce.
FINGERPRINT_SQL="
SELECT concat_ws(' ',
  'accounts', (SELECT count(*) FROM pgbench_accounts), (SELECT sum(abalance) FROM pgbench_accounts),
  'branches', (SELECT count(*) FROM pgbench_branches), (SELECT sum(bbalance) FROM pgbench_branches),
  'tellers',  (SELECT count(*) FROM pgbench_tellers),  (SELECT sum(tbalance) FROM pgbench_tellers),
  'history',  (SELECT count(*) FROM pgbench_history),  (SELECT sum(delta) FROM pgbench_history),
  'small', (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^small_'),
           (SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM public.%I', tablename), false, true, '')))[1]::text::int)
            FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^small_'),
  'wide',     (SELECT count(*) FROM bench_wide),
              (SELECT md5(string_agg(md5(note || doc::text || encode(blob, 'hex')), '' ORDER BY id)) FROM bench_wide),
  'indexes',  (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'),
  'constraints', (SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace))"
SRC_FINGERPRINT=$(sq -d bench -Atc "$FINGERPRINT_SQL")
log "source fingerprint: $SRC_FINGERPRINT"

# ---------------------------------------------------------------------------------------------------------------
# Measurements around each contender.
server_cpu() { # CPU seconds of a server: the postmaster, its reaped children (backends that exited), its live children
  python3 - "$(postmaster_pid "$1")" <<'EOF'
import os, sys
pm = sys.argv[1]
def fields(pid):
    text = open(f"/proc/{pid}/stat").read()
    return text[text.rindex(")") + 2:].split()
f = fields(pm)
ticks = sum(int(x) for x in f[11:15])
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != pm:
        try:
            f = fields(pid)
            if f[1] == pm:
                ticks += int(f[11]) + int(f[12])
        except (OSError, IndexError):
            pass
print(ticks / os.sysconf("SC_CLK_TCK"))
EOF
}
machine_cpu() { awk '/^cpu / { idle = $5 + $6; total = 0; for (i = 2; i <= 9; i++) total += $i; print total, idle }' /proc/stat; }

reset_target() { # drop the bench database (and a subscription left in it), flush both servers, warm the source's cache
  local create=$1
  tq -d postgres -c "DROP DATABASE IF EXISTS bench WITH (FORCE)"
  [[ $create == create ]] && tq -d postgres -c "CREATE DATABASE bench TEMPLATE template0"
  tq -d postgres -c "CHECKPOINT"
  sq -d postgres -c "CHECKPOINT"
  sync
  local oid; oid=$(sq -d postgres -Atc "SELECT oid FROM pg_database WHERE datname = 'bench'")
  cat "$WORK/source/data/base/$oid"/* >/dev/null
  sleep 1
}

declare -A WALL STATUS DETAIL CPU_NOTE OWN_CPU LABEL   # keyed by "name#round" (LABEL by name)
NOTES_FILE=$WORK/notes
TICKS=$(getconf CLK_TCK)
note() { echo "$*" >>"$NOTES_FILE.$CURRENT"; } # a phase timing, from inside a contender
phase_start() { PHASE_T=$(now); }
phase_end() { note "$1 $(elapsed "$PHASE_T" "$(now)") s"; }

contend() { # name label function…  (round: $ROUND)
  local name=$1 label=$2; shift 2
  local key="$name#$ROUND"
  CURRENT=$name-r$ROUND
  LABEL[$name]=$label
  rm -f "$NOTES_FILE.$CURRENT" "$NOTES_FILE.$CURRENT.cpu" "$NOTES_FILE.$CURRENT.until"
  log "== round $ROUND/$ROUNDS, $name: $label"
  local src0 tgt0 m0 t0 t1 src1 tgt1 m1 logfile="$WORK/logs/$CURRENT.log"
  src0=$(server_cpu source); tgt0=$(server_cpu target); m0=$(machine_cpu)
  t0=$(now)
  "$@" >"$logfile" 2>&1 &
  local pid=$!
  if wait $pid; then
    t1=$(now)
    WALL[$key]=$(elapsed "$t0" "$t1")
    # A contender whose timed part ends before it does (pgmove_sub: at `syncing`) writes that instant.
    if [[ -f $NOTES_FILE.$CURRENT.until ]]; then WALL[$key]=$(elapsed "$t0" "$(cat "$NOTES_FILE.$CURRENT.until")"); fi
    src1=$(server_cpu source); tgt1=$(server_cpu target); m1=$(machine_cpu)
    if declare -F "post_$name" >/dev/null; then  # untimed
      "post_$name" >>"$logfile" 2>&1 || log "$name: its clean-up failed (see its log)"
    fi
    local client; client=$(tail -1 "$NOTES_FILE.$CURRENT.cpu" 2>/dev/null || echo 0)
    # "others": CPU the machine spent on anything but these two servers and this contender's processes.
    CPU_NOTE[$key]=$(awk -v s0="$src0" -v s1="$src1" -v g0="$tgt0" -v g1="$tgt1" -v c="$client" -v hz="$TICKS" \
      -v m0="${m0% *}" -v i0="${m0#* }" -v m1="${m1% *}" -v i1="${m1#* }" \
      'BEGIN { busy = ((m1 - m0) - (i1 - i0)) / hz; o = busy - (s1 - s0) - (g1 - g0) - c; if (o < 0) o = 0;
               printf "source %.0f · target %.0f · client %.0f · others %.0f", s1 - s0, g1 - g0, c, o }')
    OWN_CPU[$key]=$(awk -v s0="$src0" -v s1="$src1" -v g0="$tgt0" -v g1="$tgt1" -v c="$client" 'BEGIN { printf "%.1f", s1 - s0 + g1 - g0 + c }')
    local got; got=$(tq -d bench -Atc "$FINGERPRINT_SQL" 2>&1 || true)
    if [[ $got == "$SRC_FINGERPRINT" ]]; then
      STATUS[$key]="ok"
    else
      STATUS[$key]="MISMATCH"
      log "$name: target differs from the source: $got"
    fi
    DETAIL[$key]=$(paste -sd';' "$NOTES_FILE.$CURRENT" 2>/dev/null | sed 's/;/ · /g' || true)
    log "$name: ${WALL[$key]} s, ${STATUS[$key]}; ${DETAIL[$key]}; CPU s: ${CPU_NOTE[$key]}"
  else
    WALL[$key]=""
    STATUS[$key]="FAILED"
    DETAIL[$key]="failed: $(grep -m1 -iE 'error|fatal' "$logfile" | cut -c1-200 || tail -1 "$logfile")"
    log "$name FAILED; last lines of its log:"
    tail -20 "$logfile" >&2
  fi
}
client_cpu() { # at the end of a contender: CPU of the processes it ran (the shell's reaped children)
  times >"$NOTES_FILE.$CURRENT.times"  # not in a pipe or $(…): a forked subshell would have reaped no children
  local line; line=$(tail -1 "$NOTES_FILE.$CURRENT.times")
  awk -v l="$line" 'BEGIN { split(l, a, " "); u = a[1]; s = a[2]; sub(/m/, " ", u); sub(/s$/, "", u); sub(/m/, " ", s); sub(/s$/, "", s);
    split(u, x, " "); split(s, y, " "); printf "%.1f\n", x[1] * 60 + x[2] + y[1] * 60 + y[2] }' >>"$NOTES_FILE.$CURRENT.cpu"
}
analyze_target() { phase_start; tq -d bench -c "ANALYZE"; phase_end analyze; }

# --- 1. PgMove ---------------------------------------------------------------------------------------------------
c_pgmove() { # [the pgmove command to run, default PGMOVE_CMD] (pgmove_b: PGMOVE_B_BIN's)
  local base="$WORK/logs/$CURRENT" command=("${PGMOVE_CMD[@]}")
  [[ ${1:-} == b ]] && command=("${PGMOVE_B_CMD[@]}")
  rm -f "$WORK/pgmove-state.db"
  now >"$base.launched"
  /usr/bin/time -v -o "$base.time" "${command[@]}" copy --source "$SRC_URI" --target "$TGT_URI" \
    --jobs "$JOBS" --state "$WORK/pgmove-state.db" --json --log-file "$base.log" >"$base.jsonl"
  now >"$base.exited"
  client_cpu
}
# Where pgmove's time went (bench/lib/copy-phases.py): every step from the launch to the exit, and which part is fixed.
post_pgmove() { python3 bench/lib/copy-phases.py "$WORK/logs/$CURRENT" >>"$NOTES_FILE.$CURRENT"; }
post_pgmove_b() { post_pgmove; }

# --- 2. pg_dump -Fc | pg_restore -----------------------------------------------------------------------------------
c_dump_fc() {
  phase_start
  "$PG15/pg_dump" -p "$SRC_PORT" -Fc bench | "$PG15/pg_restore" -p "$TGT_PORT" --exit-on-error -d bench
  phase_end "dump piped into restore"
  analyze_target
  client_cpu
}

# --- 3. pg_dump -Fd -j N, pg_restore -j N ----------------------------------------------------------------------------
c_dump_fd() {
  phase_start
  "$PG15/pg_dump" -p "$SRC_PORT" -Fd -j "$JOBS" -f "$WORK/dumpdir" bench
  phase_end "dump"
  phase_start
  "$PG15/pg_restore" -p "$TGT_PORT" --exit-on-error -j "$JOBS" -d bench "$WORK/dumpdir"
  phase_end "restore"
  analyze_target
  client_cpu
}
post_dump_fd() { note "dump size $(du -sm "$WORK/dumpdir" | cut -f1) MiB (default compression)"; rm -rf "$WORK/dumpdir"; }

# --- 4. logical replication's initial sync -------------------------------------------------------------------------
dump_schema() { "$PG15/pg_dump" -p "$SRC_PORT" -Fc --schema-only -f "$WORK/schema.dump" bench; }
c_logical() {
  phase_start
  dump_schema
  "$PG15/pg_restore" -p "$TGT_PORT" --exit-on-error --section=pre-data -d bench "$WORK/schema.dump"
  sq -d bench -c "CREATE PUBLICATION bench_pub FOR ALL TABLES"
  tq -d bench -c "CREATE SUBSCRIPTION bench_sub CONNECTION 'host=127.0.0.1 port=$SRC_PORT dbname=bench user=postgres' PUBLICATION bench_pub WITH (copy_data = true)"
  phase_end schema
  phase_start
  local waiting deadline=$((SECONDS + 120 + SCALE * 60))
  while :; do
    waiting=$(tq -d bench -Atc "SELECT $TABLES - count(*) FILTER (WHERE srsubstate = 'r') FROM pg_subscription_rel")
    [[ $waiting == 0 ]] && break
    (( SECONDS < deadline )) || { echo "initial sync not done after $((120 + SCALE * 60)) s" >&2; return 1; }
    sleep 0.2
  done
  phase_end "initial sync"
  phase_start
  "$PG15/pg_restore" -p "$TGT_PORT" --exit-on-error --section=post-data -j "$JOBS" -d bench "$WORK/schema.dump"
  phase_end post-data
  analyze_target
  client_cpu
}
post_logical() { # leave no slot behind: dropping the subscription drops its slot on the source
  tq -d bench -c "ALTER SUBSCRIPTION bench_sub DISABLE" -c "DROP SUBSCRIPTION bench_sub"
  sq -d bench -c "DROP PUBLICATION bench_pub"
}
logical_cleanup() { # after a failed run
  tq -d bench -c "ALTER SUBSCRIPTION bench_sub DISABLE" -c "ALTER SUBSCRIPTION bench_sub SET (slot_name = NONE)" -c "DROP SUBSCRIPTION bench_sub" >/dev/null 2>&1 || true
  sq -d bench -c "DROP PUBLICATION IF EXISTS bench_pub" >/dev/null 2>&1 || true
  sq -d bench -Atc "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots" >/dev/null 2>&1 || true
}

# --- 4b. PgMove-orchestrated subscription ------------------------------------------------------------------------
store_status() { # status of the latest migration in a PgMove state file, read directly (no pgmove process per poll)
  python3 -c 'import sqlite3, sys
try:
    row = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT status, error FROM migrations ORDER BY created_at DESC LIMIT 1").fetchone()
    print(" ".join(x or "" for x in row) if row else "none")
except sqlite3.Error:
    print("none")' "$1"
}
c_pgmove_sub() {
  local state="$WORK/pgmove-sub-state.db" status deadline=$((SECONDS + 120 + SCALE * 60))
  rm -f "$state"*
  "${PGMOVE_CMD[@]}" start --method subscription --source "$SRC_URI" --target "$TGT_URI" --jobs "$JOBS" --state "$state" \
    >"$WORK/logs/pgmove-sub-r$ROUND.out" 2>&1 &
  local runner=$!
  phase_start
  while :; do
    status=$(store_status "$state")
    [[ $status == syncing* ]] && break
    [[ $status == error* ]] && { echo "pgmove: $status" >&2; kill "$runner" 2>/dev/null; wait "$runner"; return 1; }
    kill -0 "$runner" 2>/dev/null || { echo "pgmove start ended before syncing: $status" >&2; return 1; }
    (( SECONDS < deadline )) || { echo "not syncing after $((120 + SCALE * 60)) s" >&2; kill "$runner"; wait "$runner"; return 1; }
    sleep 0.2
  done
  now >"$NOTES_FILE.$CURRENT.until"
  phase_end "start to syncing (preflight, roles, databases bench and postgres: schema, keys, initial sync, post-data, ANALYZE)"
  phase_start
  "${PGMOVE_CMD[@]}" cutover --state "$state" >"$WORK/logs/pgmove-sub-cutover-r$ROUND.out" 2>&1 || { cat "$WORK/logs/pgmove-sub-cutover-r$ROUND.out" >&2; wait "$runner"; return 1; }
  wait "$runner" || true
  phase_end "cutover (untimed: sequences, verify, drop subscription, slot, publication)"
  client_cpu
}

# --- 5. pgcopydb clone -------------------------------------------------------------------------------------------
# Same split size as PgMove's planner: max(32 MiB, source size / (jobs × 4)).
SPLIT_MB=$(awk -v b="$SRC_BYTES" -v j="$JOBS" 'BEGIN { c = b / (j * 4) / 1048576; if (c < 32) c = 32; printf "%d", c }')
c_pgcopydb() {
  phase_start
  pgcopydb clone --source "postgres://postgres@127.0.0.1:$SRC_PORT/bench?sslmode=disable" \
    --target "postgres://postgres@127.0.0.1:$TGT_PORT/bench?sslmode=disable" \
    --table-jobs "$JOBS" --index-jobs "$JOBS" --split-tables-larger-than "${SPLIT_MB}MB" --dir "$WORK/pgcopydb"
  phase_end "clone (incl. its VACUUM ANALYZE)"
  client_cpu
}
post_pgcopydb() { rm -rf "$WORK/pgcopydb"; }

# --- 6. the machine's limit --------------------------------------------------------------------------------------
pipe_one() { # table first_block end_block ('' = whole table / open end)
  local table=$1 first=$2 end=$3 select
  if [[ -z $first ]]; then
    select="$table"
  else
    select="(SELECT * FROM ONLY $table WHERE ctid >= '($first,0)'::tid${end:+ AND ctid < '($end,0)'::tid})"
  fi
  "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$SRC_PORT" -d bench -c "COPY $select TO STDOUT (FORMAT binary)" |
    PGOPTIONS="-c synchronous_commit=off" "$PG15/psql" -X -q -v ON_ERROR_STOP=1 -p "$TGT_PORT" -d bench -c "COPY $table FROM STDIN (FORMAT binary)"
}
export -f pipe_one
export PG15 SRC_PORT TGT_PORT
c_limit() {
  local pipes=$1
  phase_start
  dump_schema
  "$PG15/pg_restore" -p "$TGT_PORT" --exit-on-error --section=pre-data -d bench "$WORK/schema.dump"
  phase_end schema
  # Tasks, largest first: tables above the chunk (source size / (2 × pipes)) split into ctid ranges of about that size.
  sq -d bench -At -F ' ' -c "
    WITH t AS (SELECT c.relname, pg_relation_size(c.oid) AS bytes, pg_relation_size(c.oid) / 8192 AS blocks,
                      greatest(pg_database_size('bench') / (2 * $pipes), 8192 * 16) AS chunk
               FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace),
         p AS (SELECT relname, bytes, blocks, greatest(1, ceil(bytes::numeric / chunk))::int AS parts FROM t)
    SELECT relname, CASE WHEN parts = 1 THEN '-' ELSE (i * ceil(blocks::numeric / parts))::bigint::text END,
           CASE WHEN parts = 1 OR i = parts - 1 THEN '-' ELSE ((i + 1) * ceil(blocks::numeric / parts))::bigint::text END
    FROM p, generate_series(0, parts - 1) i
    ORDER BY bytes / parts DESC" >"$WORK/limit-tasks"
  note "$(wc -l <"$WORK/limit-tasks") pieces"
  phase_start
  sed 's/ - / "" /; s/ -$/ ""/' "$WORK/limit-tasks" | xargs -P "$pipes" -L 1 bash -c 'set -o pipefail; pipe_one "$@"' _
  phase_end "data"
  phase_start
  "$PG15/pg_restore" -p "$TGT_PORT" --exit-on-error --section=post-data -j "$JOBS" -d bench "$WORK/schema.dump"
  phase_end post-data
  analyze_target
  client_cpu
}

# ---------------------------------------------------------------------------------------------------------------
# Untimed warm-up, so that the first contender pays no more than the others: every relation of the source (tables,
# their TOAST and indexes) read into the source's shared buffers (pg_prewarm, installed and removed again; a large
# table's sequential scan would go through a small ring and leave shared_buffers cold), then one whole copy through
# the target (pg_dump | pg_restore, thrown away: one pair of processes whatever the number of tables): the target's
# first copy otherwise also creates its WAL segments, which every later copy recycles.
warm_up() {
  log "warm-up (untimed): the source's relations into shared buffers, one copy through the target"
  sq -d bench -Atc "CREATE EXTENSION pg_prewarm" \
    -c "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c WHERE c.relkind IN ('r', 't', 'i', 'm') AND c.relpersistence = 'p' AND pg_relation_size(c.oid) > 0" \
    -c "DROP EXTENSION pg_prewarm" >"$WORK/logs/warm-up.log" 2>&1
  CURRENT=warm-up
  reset_target create
  c_dump_fc >>"$WORK/logs/warm-up.log" 2>&1 || { echo "the warm-up copy failed:" >&2; tail -20 "$WORK/logs/warm-up.log" >&2; exit 1; }
  log "warm-up done: $(paste -sd';' "$NOTES_FILE.warm-up" | sed 's/;/ · /g')"
}
warm_up

# ---------------------------------------------------------------------------------------------------------------
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
PGCOPYDB_LABEL="\`pgcopydb clone --table-jobs $JOBS --index-jobs $JOBS --split-tables-larger-than ${SPLIT_MB}MB\`"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  # Each round starts one contender further along, so that none always runs first (or last) in a changing load.
  count=${#CONTENDERS[@]}
  for ((i = 0; i < count; i++)); do
    name=${CONTENDERS[$(((i + ROUND - 1) % count))]}
    case $name in
      pgmove)
        reset_target none
        contend pgmove "PgMove \`pgmove copy --jobs $JOBS\`" c_pgmove ;;
      pgmove_b)
        reset_target none
        contend pgmove_b "PgMove B ($PGMOVE_B_VERSION) \`pgmove copy --jobs $JOBS\`" c_pgmove b ;;
      dump_fc)
        reset_target create
        contend dump_fc "\`pg_dump -Fc \\| pg_restore\` (one stream) + ANALYZE" c_dump_fc ;;
      dump_fd)
        reset_target create
        contend dump_fd "\`pg_dump -Fd -j $JOBS\`, then \`pg_restore -j $JOBS\` + ANALYZE" c_dump_fd ;;
      logical)
        reset_target create
        contend logical "logical replication: pre-data, initial sync ($JOBS sync workers), post-data \`-j $JOBS\` + ANALYZE" c_logical
        if [[ ${STATUS[logical#$ROUND]} == FAILED ]]; then logical_cleanup; fi ;;
      pgmove_sub)
        reset_target none
        contend pgmove_sub "PgMove \`pgmove start --method subscription --jobs $JOBS\` until syncing" c_pgmove_sub ;;
      pgcopydb)
        if command -v pgcopydb >/dev/null; then
          reset_target create
          contend pgcopydb "$PGCOPYDB_LABEL" c_pgcopydb
        else
          LABEL[pgcopydb]="\`pgcopydb clone\`"; STATUS[pgcopydb#$ROUND]="not run"; DETAIL[pgcopydb#$ROUND]="pgcopydb $PGCOPYDB_STATUS"
        fi ;;
      limit_*)
        reset_target create
        contend "$name" "machine limit: ${name#limit_} bare binary \`COPY\` pipes (ctid ranges), post-data \`-j $JOBS\` + ANALYZE" c_limit "${name#limit_}" ;;
      *) echo "unknown contender $name" >&2; exit 2 ;;
    esac
  done
done
tq -d postgres -c "DROP DATABASE IF EXISTS bench WITH (FORCE)"

# ---------------------------------------------------------------------------------------------------------------
# The table: per contender its fastest round (other people's load on a shared machine only ever adds time, so the
# fastest round is the least disturbed one), the median and every round; all rounds must have verified. Ratios are
# between fastest rounds. "Best alternative": the fastest of dump_fc, dump_fd, logical, pgcopydb; "machine limit":
# the fastest limit_*.
declare -A BEST MEDIAN BEST_ROUND VERIFIED MEDIAN_CPU
for name in "${CONTENDERS[@]}"; do
  walls=() bad=""
  for ((r = 1; r <= ROUNDS; r++)); do
    if [[ ${STATUS[$name#$r]:-} == ok ]]; then walls+=("${WALL[$name#$r]} $r"); else bad+="${bad:+, }round $r: ${STATUS[$name#$r]:-not run}"; fi
  done
  VERIFIED[$name]=${bad:-ok}
  [[ ${#walls[@]} -gt 0 && -z $bad ]] || continue
  mapfile -t sorted < <(printf '%s\n' "${walls[@]}" | sort -g)
  mid=${sorted[$(((${#sorted[@]} - 1) / 2))]}
  MEDIAN[$name]=${mid% *}
  BEST[$name]=${sorted[0]% *}
  BEST_ROUND[$name]=${sorted[0]#* }
  cpus=()
  for ((r = 1; r <= ROUNDS; r++)); do cpus+=("${OWN_CPU[$name#$r]}"); done
  mapfile -t sorted < <(printf '%s\n' "${cpus[@]}" | sort -g)
  MEDIAN_CPU[$name]=${sorted[$(((${#sorted[@]} - 1) / 2))]}
done
best_of() { local best="" n; for n in "$@"; do
  [[ -n ${BEST[$n]:-} ]] || continue
  if [[ -z $best ]] || awk -v a="${BEST[$n]}" -v b="${BEST[$best]}" 'BEGIN { exit !(a < b) }'; then best=$n; fi
done; echo "$best"; }
BEST_ALT=$(best_of dump_fc dump_fd logical pgcopydb)
mapfile -t limits < <(printf '%s\n' "${CONTENDERS[@]}" | grep '^limit_' || true)
LIMIT=$(best_of "${limits[@]}")
best_wall() { if [[ -n $1 ]]; then echo "${BEST[$1]:-}"; fi; }
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo "–"; }

PEAK_RSS="–"
if compgen -G "$WORK/logs/pgmove-r*.time" >/dev/null; then
  PEAK_RSS=$(cat "$WORK"/logs/pgmove-r[0-9]*.time | awk -F': ' '/Maximum resident set size/ { if ($2 > m) m = $2 } END { printf "%.0f MiB", m / 1024 }')
fi
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/copy-bench-s$SCALE-j$JOBS${SMALL_TAG:+-t$SMALL_TABLES}-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "Command: \`${CONTENDERS_SET:+CONTENDERS=\"${CONTENDERS[*]}\" }${PGMOVE_BIN:+PGMOVE_BIN=$PGMOVE_BIN }${PGMOVE_B_BIN:+PGMOVE_B_BIN=$PGMOVE_B_BIN }${ROUNDS_SET:+ROUNDS=$ROUNDS }${FSYNC_SET:+FSYNC=$FSYNC }${PGMOVE_REF:+PGMOVE_REF=$PGMOVE_REF }${SMALL_TAG:+SMALL_TABLES=$SMALL_TABLES }bench/copy-bench.sh $SCALE $JOBS\`, started $STARTED, $ROUNDS round(s)"
  echo
  echo "- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem/ {print $2}') GiB RAM, $(uname -sr); load average at the start $LOAD_AT_START, when done $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Versions: source PostgreSQL $(sq -d postgres -Atc 'SHOW server_version'), target PostgreSQL $(tq -d postgres -Atc 'SHOW server_version'), client tools $("$PG15/pg_dump" --version | awk '{print $3}'), pgmove $PGMOVE_VERSION, .NET $(dotnet --version), pgcopydb ${PGCOPYDB_VERSION:-–}"
  echo "- Data: database bench, $SRC_MIB MiB (pg_database_size), $TABLES tables: $(paste -sd, "$WORK/logs/tables.txt" | sed 's/,/, /g')"
  echo "- Both servers: fsync=$FSYNC, shared_buffers 1GB, maintenance_work_mem 256MB, max_wal_size 4GB, checkpoint_timeout 30min, max_parallel_maintenance_workers 2, autovacuum off; wal_level logical (source), replica (target)"
  echo "- PgMove's peak RSS (max over rounds, /usr/bin/time -v): $PEAK_RSS"
  echo
  echo "| contender | wall time (fastest of $ROUNDS) | median | MiB/s | × best alternative | × machine limit | own CPU s (median) | verified | breakdown (fastest round) | CPU s (fastest round) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|---|"
  for n in "${CONTENDERS[@]}"; do
    wall=${BEST[$n]:-}
    mibs=$([[ -n $wall ]] && awk -v m="$SRC_MIB" -v t="$wall" 'BEGIN { printf "%.1f", m / t }' || echo "–")
    r=${BEST_ROUND[$n]:-1}
    extra=""
    if [[ $n == pgmove ]]; then extra=" · peak RSS $PEAK_RSS"; fi
    if [[ $n == pgmove_b && -n ${BEST[pgmove]:-} && -n ${BEST[pgmove_b]:-} ]]; then
      extra=" · pgmove / pgmove_b $(ratio "${BEST[pgmove]}" "${BEST[pgmove_b]}") (fastest rounds), per round: $(for ((r = 1; r <= ROUNDS; r++)); do ratio "${WALL[pgmove#$r]:-}" "${WALL[pgmove_b#$r]:-}"; printf ' '; done)"
    fi
    if [[ $n == "$BEST_ALT" ]]; then extra+=" · **best alternative**"; fi
    if [[ $n == "$LIMIT" ]]; then extra+=" · **machine limit**"; fi
    echo "| ${LABEL[$n]} | ${wall:+$wall s} | ${MEDIAN[$n]:+${MEDIAN[$n]} s} | $mibs | $(ratio "$wall" "$(best_wall "$BEST_ALT")") | $(ratio "$wall" "$(best_wall "$LIMIT")") | ${MEDIAN_CPU[$n]:-–} | ${VERIFIED[$n]} | ${DETAIL[$n#$r]:-}$extra | ${CPU_NOTE[$n#$r]:-} |"
  done
  echo
  echo "Own CPU: CPU-seconds of both servers and of the contender's client processes; \"others\": what the rest of the (shared) machine used meanwhile."
  echo
  echo "Every round (s): $(for n in "${CONTENDERS[@]}"; do printf '%s ' "$n"; for ((r = 1; r <= ROUNDS; r++)); do printf '%s ' "${WALL[$n#$r]:-${STATUS[$n#$r]:-–}}"; done; printf '; '; done)"
} >"$OUT"
echo
cat "$OUT"
echo
log "written to $OUT"
