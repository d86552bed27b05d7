# Helpers shared by the drain benchmarks (sourced, not run). The caller defines PG15, SRC_PORT, WORK and the psql
# wrappers sq (source) and tq (target).

descendants() { local child; for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do descendants "$child"; echo "$child"; done; }
# A long step runs in the background and is waited for, so that a signal interrupts the wait at once.
run() { "$@" & wait $!; }
log() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { printf $1 }"; }   # calc '"%.1f", 3 / 2'
# Both servers' settings in every drain benchmark; only fsync may vary (FSYNC=off).
server_settings() { # fsync
  cat <<EOF
fsync = $1
synchronous_commit = on
full_page_writes = on
shared_buffers = 1GB
work_mem = 32MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
max_wal_senders = 10
max_replication_slots = 10
max_worker_processes = 8
max_logical_replication_workers = 4
EOF
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The native contender: database bench_native on the target with bench's schema, a publication FOR ALL TABLES on the
# source, and a subscription that copies the data; returns once every table is ready (the subscription stays enabled).
native_subscription() { # publication subscription
  local pub=$1 sub=$2 i
  tq -c "CREATE DATABASE bench_native"
  "$PG15/pg_dump" -p "$SRC_PORT" --schema-only --no-publications --no-subscriptions bench >"$WORK/logs/schema.sql"
  tq -d bench_native -f "$WORK/logs/schema.sql" >/dev/null
  sq -d bench -c "CREATE PUBLICATION $pub FOR ALL TABLES"
  tq -d bench_native -c "CREATE SUBSCRIPTION $sub CONNECTION 'host=127.0.0.1 port=$SRC_PORT dbname=bench user=postgres' PUBLICATION $pub WITH (copy_data = true)"
  for i in $(seq 1800); do
    [[ $(tq -d bench_native -Atc "SELECT count(*) = 4 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel") == t ]] && return 0
    sleep 0.5
  done
  fail "the subscription's initial sync did not finish in 15 minutes"
}
