-- One subscription of the current database: its oid, whether it is enabled, its tables and how many are ready,
-- and the apply worker's last reported source position. Readable without superuser (subconninfo is not read).
SELECT s.oid::bigint,
       s.subenabled,
       (SELECT count(*) FROM pg_catalog.pg_subscription_rel r WHERE r.srsubid = s.oid)::int AS tables,
       (SELECT count(*) FROM pg_catalog.pg_subscription_rel r WHERE r.srsubid = s.oid AND r.srsubstate = 'r')::int AS ready,
       (SELECT w.latest_end_lsn::text FROM pg_catalog.pg_stat_subscription w WHERE w.subid = s.oid AND w.relid IS NULL LIMIT 1) AS latest_end_lsn
FROM pg_catalog.pg_subscription s
WHERE s.subname = @name
  AND s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
