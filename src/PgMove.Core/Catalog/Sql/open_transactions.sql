-- Transactions that would make a new logical slot wait: long-running ones and prepared ones.
SELECT 'active' AS kind, a.datname AS database, a.pid::text AS who,
       extract(epoch FROM now() - a.xact_start)::bigint AS age_seconds
FROM pg_catalog.pg_stat_activity a
WHERE a.xact_start < now() - make_interval(secs => @min_age_seconds)
  AND a.backend_xid IS NOT NULL
  AND a.pid <> pg_backend_pid()
UNION ALL
SELECT 'prepared', p.database, p.gid, extract(epoch FROM now() - p.prepared)::bigint
FROM pg_catalog.pg_prepared_xacts p
ORDER BY 4 DESC
