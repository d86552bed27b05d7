-- The post-data objects that belong to one table, by (catalog, object) as pg_restore --list names them: indexes,
-- primary key, unique and exclusion constraints, extended statistics; with the table they belong to. The catalogs'
-- OIDs are fixed, but are read here rather than written as numbers.
SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid::bigint, i.indexrelid::bigint, i.indrelid::bigint
FROM pg_catalog.pg_index i
WHERE i.indrelid >= 16384
UNION ALL
SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass::oid::bigint, c.oid::bigint, c.conrelid::bigint
FROM pg_catalog.pg_constraint c
WHERE c.contype IN ('p', 'u', 'x') AND c.conrelid >= 16384
UNION ALL
SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::oid::bigint, s.oid::bigint, s.stxrelid::bigint
FROM pg_catalog.pg_statistic_ext s
WHERE s.stxrelid >= 16384
