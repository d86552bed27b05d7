#!/usr/bin/env bash
# Smoke-tests one PostgreSQL major installed by scripts/fetch-postgres.sh (or
# Debian's 15): initdb as the postgres OS user into a temp dir under /tmp,
# start on a free loopback port with wal_level=logical, query it with Debian's
# psql, and report timezone/ICU/SSL/logical decoding/extension support.  The
# server is stopped and the temp dir removed on exit, whatever happens.
#
# Usage: scripts/check-postgres.sh MAJOR        (e.g. 17; 15 = Debian's)
# Exit status: 0 if the core checks (initdb, start, query, wal_level=logical,
# logical slot) pass; SSL and extension results are only reported.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 MAJOR" >&2; exit 2; }
MAJOR=$1
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"
PSQL=${PGMOVE_PSQL:-/usr/lib/postgresql/15/bin/psql}
RUN_AS=${PGMOVE_PG_USER:-postgres}

if [[ $MAJOR == 15 ]]; then
  BIN=/usr/lib/postgresql/15/bin
  LIB=
  SHARE=/usr/share/postgresql/15
else
  ROOT="$CACHE/$MAJOR"
  [[ -f $ROOT/VERSION ]] || { echo "no complete install in $ROOT: run scripts/fetch-postgres.sh $MAJOR" >&2; exit 1; }
  BIN=$ROOT/bin
  LIB=$ROOT/lib
  SHARE=$ROOT/share/postgresql
fi
[[ -x $PSQL ]] || { echo "psql not found at $PSQL (set PGMOVE_PSQL)" >&2; exit 1; }
id "$RUN_AS" >/dev/null 2>&1 || { echo "OS user $RUN_AS does not exist (set PGMOVE_PG_USER)" >&2; exit 1; }

# Run a server-side binary as the server user (initdb/postgres refuse root).
as_pg() {
  if [[ $(id -un) == "$RUN_AS" ]]; then
    env LD_LIBRARY_PATH="$LIB" "$@"
  else
    runuser -u "$RUN_AS" -- env LD_LIBRARY_PATH="$LIB" "$@"
  fi
}

WORK=$(mktemp -d "/tmp/pgmove-check-$MAJOR.XXXXXX")
DATA=$WORK/data
SOCK=$WORK/sock
LOG=$WORK/server.log
mkdir "$SOCK"
chown -R "$RUN_AS" "$WORK"
chmod 700 "$WORK"
cd "$WORK"   # the server user cannot necessarily read our cwd

cleanup() {
  local rc=$?
  if [[ -f $DATA/postmaster.pid ]]; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if ((rc != 0)) && [[ -f $LOG ]]; then
    echo "---- server log (last 30 lines) ----" >&2
    tail -n 30 "$LOG" >&2 || true
  fi
  cd /
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}
PORT=$(free_port)

fail=0
report() { printf '%-22s %s\n' "$1:" "$2"; }
q() { PGCONNECT_TIMEOUT=10 "$PSQL" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }

start_server() {
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SOCK -c wal_level=logical -c max_replication_slots=4 -c max_wal_senders=4 $*" \
    start >/dev/null
}
stop_server() { as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; }

report "major" "$MAJOR ($BIN)"
report "postgres --version" "$(as_pg "$BIN/postgres" --version)"

# --- initdb (needs share/: postgres.bki, timezone files) -------------------
as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 ||
  { cat "$WORK/initdb.log" >&2; echo "initdb FAILED" >&2; exit 1; }
report "initdb" "ok"

# --- start with wal_level=logical -------------------------------------------
start_server
report "start (wal_level=logical)" "ok, port $PORT"
report "version()" "$(q -c 'SELECT version()')"
report "wal_level" "$(q -c 'SHOW wal_level')"
[[ $(q -c 'SHOW wal_level') == logical ]] || { echo "wal_level is not logical" >&2; fail=1; }
report "share dir (timezone)" "$(q -c "SHOW timezone"); Europe/Berlin -> $(q -c "SET timezone='Europe/Berlin'; SELECT to_char(timestamptz '2024-07-01 12:00Z', 'HH24:MI TZ')")"
report "text search" "$(q -c "SELECT to_tsvector('english', 'running dogs')")"

# Logical decoding: both built-in output plugins, and a publication.
if q -c "SELECT 1 FROM pg_create_logical_replication_slot('chk_pgoutput', 'pgoutput')" \
     -c "SELECT 1 FROM pg_create_logical_replication_slot('chk_td', 'test_decoding')" \
     -c "CREATE TABLE chk(id int primary key, v text)" -c "CREATE PUBLICATION chk_pub FOR TABLE chk" \
     -c "INSERT INTO chk VALUES (1, 'x')" >/dev/null; then
  report "logical decoding" "ok ($(q -c "SELECT count(*) FROM pg_logical_slot_get_changes('chk_td', NULL, NULL)") test_decoding changes; pgoutput slot + publication created)"
  q -c "SELECT pg_drop_replication_slot('chk_pgoutput'), pg_drop_replication_slot('chk_td')" >/dev/null
else
  report "logical decoding" "FAILED"
  fail=1
fi

# --- ICU ----------------------------------------------------------------------
icu_count=$(q -c "SELECT count(*) FROM pg_collation WHERE collprovider = 'i'")
if q -c "CREATE COLLATION chk_de (provider = icu, locale = 'de-DE')" >/dev/null 2>&1; then
  report "ICU" "yes ($icu_count ICU collations; 'a' < 'B' under de-DE: $(q -c "SELECT 'a' < 'B' COLLATE chk_de"))"
else
  report "ICU" "no ($icu_count ICU collations)"
fi

# --- extensions -----------------------------------------------------------------
available=$(q -c "SELECT name FROM pg_available_extensions ORDER BY name")
ok=() bad=()
for ext in $available; do
  [[ $ext == plpgsql ]] && continue
  if q -c "BEGIN" -c "CREATE EXTENSION \"$ext\" CASCADE" -c "ROLLBACK" >/dev/null 2>"$WORK/ext.err"; then
    ok+=("$ext")
  else
    bad+=("$ext")
  fi
done
report "extensions available" "$(wc -w <<<"$available") in $SHARE/extension"
report "CREATE EXTENSION ok" "${ok[*]:-none}"
report "CREATE EXTENSION fails" "${bad[*]:-none}"
# A few that a migration tool is likely to meet, exercised for real.
q -c "CREATE EXTENSION pgcrypto" -c "CREATE EXTENSION dblink" -c 'CREATE EXTENSION "uuid-ossp"' >/dev/null 2>&1 || true
report "pgcrypto digest" "$(q -c "SELECT encode(digest('x', 'sha256'), 'hex')" 2>&1 | head -n1 | cut -c1-40)"
report "dblink (via libpq)" "$(q -c "SELECT v FROM dblink('host=127.0.0.1 port=$PORT user=postgres dbname=postgres', 'SELECT 42') AS t(v int)" 2>&1 | head -n1)"
report "uuid-ossp" "$(q -c "SELECT uuid_generate_v4() IS NOT NULL" 2>&1 | head -n1)"

# --- SSL ------------------------------------------------------------------------
ssl_library=$(q -c "SHOW ssl_library" 2>/dev/null || echo "?")
stop_server
openssl req -new -x509 -nodes -days 2 -subj "/CN=127.0.0.1" -newkey rsa:2048 \
  -keyout "$DATA/server.key" -out "$DATA/server.crt" >/dev/null 2>&1
chown "$RUN_AS" "$DATA/server.key" "$DATA/server.crt"
chmod 600 "$DATA/server.key"
if start_server -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key -c shared_preload_libraries=pg_stat_statements 2>/dev/null; then
  ssl_conn=$(PGSSLMODE=require q -c "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1 | head -n1 || true)
  report "SSL" "ssl_library='$ssl_library'; ssl=on starts; sslmode=require connection: $ssl_conn"
  pss=$(q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT count(*) > 0 FROM pg_stat_statements" 2>&1 | tail -n1 || true)
  report "pg_stat_statements" "preloaded, view readable: $pss"
else
  report "SSL" "ssl_library='$ssl_library'; server does NOT start with ssl=on (see log):"
  grep -iE 'ssl|FATAL' "$LOG" | tail -n 3 | sed 's/^/    /'
  start_server
fi

stop_server
if ((fail)); then echo "RESULT: core checks FAILED"; exit 1; fi
echo "RESULT: ok"
