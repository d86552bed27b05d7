#!/usr/bin/env bash
# PgMove's demo on local throwaway servers: a PostgreSQL 15 source holding a pgbench database and a
# PostgreSQL 17 target, both on loopback ports, stopped and deleted at the end.
# It runs the preflight check, then a live migration: pgbench writes on the source while PgMove copies (pgmove
# status snapshots show the copy's progress, pgmove start's own lines are shown live) and streams (the status shows
# the lag); then a cutover (freeze, catch up, sequences, verify) and pgmove verify.
# Installs only what it needs (scripts/install-deps.sh --for demo). PGMOVE_DEMO_SCALE: pgbench scale (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --for demo >/dev/null
dotnet build src/PgMove.Cli -c Release -nologo -v quiet
pgmove() { dotnet src/PgMove.Cli/bin/Release/net10.0/pgmove.dll "$@"; }

PG15=/usr/lib/postgresql/15/bin
CACHE="${PGMOVE_PG_CACHE:-/var/cache/pgmove/postgres}"
DEMO=$(mktemp -d /tmp/pgmove-demo.XXXXXX)
chmod 755 "$DEMO"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_cluster() { # name bindir libdir port
  local name=$1 bin=$2 lib=$3 port=$4 dir="$DEMO/$1"
  install -d -o postgres -g postgres "$dir"
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C -N >/dev/null
  runuser -u postgres -- env ${lib:+LD_LIBRARY_PATH=$lib} "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
    "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c wal_level=logical -c fsync=off" start >/dev/null
  echo "started $name: PostgreSQL $("$bin/postgres" --version 2>/dev/null | awk '{print $3}' || true) on 127.0.0.1:$port"
}

stop_all() {
  local dir pid pids=()
  for dir in "$DEMO"/*/data; do
    if [[ -f $dir/postmaster.pid ]]; then
      pid=$(head -1 "$dir/postmaster.pid")
      if kill -INT "$pid" 2>/dev/null; then pids+=("$pid"); fi
    fi
  done
  # A server still shutting down writes in its folder: wait for each to exit (30 s at most) before deleting.
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$DEMO" || echo "demo: could not remove $DEMO entirely" >&2
}
trap stop_all EXIT

SRC_PORT=$(free_port); TGT_PORT=$(free_port)
start_cluster source "$PG15" "" "$SRC_PORT"
LD_LIBRARY_PATH="$CACHE/17/lib" start_cluster target "$CACHE/17/bin" "$CACHE/17/lib" "$TGT_PORT"

export PGMOVE_SOURCE="postgres://postgres@127.0.0.1:$SRC_PORT/postgres?sslmode=disable"
export PGMOVE_TARGET="postgres://postgres@127.0.0.1:$TGT_PORT/postgres?sslmode=disable"

# Scale 20: 2 million accounts (~300 MB), enough for the copy to take a few seconds and show its progress.
SCALE=${PGMOVE_DEMO_SCALE:-20}
"$PG15/psql" -q -h 127.0.0.1 -p "$SRC_PORT" -U postgres -c "CREATE DATABASE bank"
echo "pgbench -i -s $SCALE (about $((SCALE * 15)) MB)"
"$PG15/pgbench" -q -i -s "$SCALE" -h 127.0.0.1 -p "$SRC_PORT" -U postgres bank 2>&1 | tail -1
# pgbench_history has no key; logical replication needs one for UPDATE/DELETE.
"$PG15/psql" -q -h 127.0.0.1 -p "$SRC_PORT" -U postgres bank -c "ALTER TABLE pgbench_history ADD COLUMN id bigserial PRIMARY KEY"

echo; echo "== pgmove check (source: 15, target: 17)"
pgmove check || true

STATE="$DEMO/state.db"
echo; echo "== pgbench writes on the source for 40 s while pgmove start copies and streams"
echo "   (lines marked 'start |' are pgmove start's own, live; the tables are pgmove status from another process)"
"$PG15/pgbench" -n -c 2 -T 40 -h 127.0.0.1 -p "$SRC_PORT" -U postgres bank > "$DEMO/pgbench.log" 2>&1 &
BENCH=$!
pgmove start --state "$STATE" > >(sed -u 's/^/start | /') 2>&1 &
START=$!
# While it copies: pgmove status every 3 s (copy progress in tables and MB); then, once syncing, three more (lag).
status_json() { pgmove status --state "$STATE" --json 2>/dev/null || true; }
for _ in $(seq 1 100); do
  sleep 3
  json=$(status_json)
  if grep -q '"status": "syncing"' <<<"$json"; then break; fi
  if grep -q '"status": "error"' <<<"$json"; then pgmove status --state "$STATE"; exit 1; fi
  if grep -q '"phase": "copying"' <<<"$json"; then echo; pgmove status --state "$STATE"; fi
done
echo; echo "== copy done, now streaming: pgmove status shows the lag"
for _ in 1 2 3; do sleep 4; pgmove status --state "$STATE"; done
wait "$BENCH" || true
echo; echo "pgbench: $(grep -E '^tps' "$DEMO/pgbench.log" | head -1)"

echo; echo "== pgmove cutover --freeze-source (from another process; the running start finishes it)"
pgmove cutover --freeze-source --state "$STATE"
wait "$START" || true

echo; echo "== pgmove verify"
pgmove verify
echo; echo "== slots left on the source: $("$PG15/psql" -Atq -h 127.0.0.1 -p "$SRC_PORT" -U postgres -c "SELECT count(*) FROM pg_replication_slots")"
