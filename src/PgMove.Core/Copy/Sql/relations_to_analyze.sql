-- What a database-wide ANALYZE would process, minus the system catalogs (the copy wrote none of their rows): tables,
-- partitioned tables and materialized views outside pg_catalog and information_schema, other sessions' temporary
-- tables left out as ANALYZE leaves them out; largest first, so that the groups run in parallel come out even.
-- Those the copy analyzed already ($1 schemas, $2 names) are left out before any is sized: sizing opens each
-- relation, a tenth of a second with 1,500 tables.
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), n.nspname::text, c.relname::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
  AND (n.nspname, c.relname) NOT IN (SELECT s, r FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS done (s, r))
ORDER BY pg_catalog.pg_total_relation_size(c.oid) DESC, 1
