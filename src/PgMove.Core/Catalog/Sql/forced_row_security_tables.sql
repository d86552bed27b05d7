-- Tables with FORCE ROW LEVEL SECURITY: their policies bind even their owner. Since PostgreSQL 16 a subscription
-- applies changes as each table's owner (unless run_as_owner), and refuses tables whose policies bind that role.
SELECT n.nspname::text AS schema, c.relname::text AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND c.relrowsecurity
  AND c.relforcerowsecurity
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2
