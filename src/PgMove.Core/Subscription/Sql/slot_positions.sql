-- PgMove's slots on the source: the source's WAL position, what each subscription confirmed, and the WAL each retains.
SELECT s.slot_name::text,
       pg_catalog.pg_current_wal_lsn()::text,
       s.confirmed_flush_lsn::text,
       (pg_catalog.pg_current_wal_lsn() - s.restart_lsn)::bigint AS retained
FROM pg_catalog.pg_replication_slots s
WHERE s.slot_name = ANY (@slots)
