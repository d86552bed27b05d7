-- What the apply needs before the initial sync, as (catalog, object) pairs of pg_dump's table of contents:
-- primary keys, and the unique constraints or indexes chosen as REPLICA IDENTITY.
SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass::pg_catalog.oid::bigint AS catalog, c.oid::bigint AS object
FROM pg_catalog.pg_constraint c
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid
WHERE c.contype = 'p' OR (c.contype = 'u' AND i.indisreplident)
UNION ALL
SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid::bigint, i.indexrelid::bigint
FROM pg_catalog.pg_index i
WHERE i.indisreplident
