-- Tables whose rows are copied: plain tables and leaf partitions (partitioned parents hold no rows),
-- without those of extensions. Columns exclude generated ones, which COPY FROM refuses.
-- needs_text: binary COPY embeds type OIDs in arrays and composites, which differ between servers,
-- and some types have no binary form at all: such tables travel in text format. So do the reg* types
-- (regclass, regtype, ...): their binary form is the object's OID, which names another object or none
-- on the target, while their text form is the (schema-qualified, search_path being empty) name.
-- The columns are read per table through pg_attribute's index (no CTE over every column of the database: a CTE
-- used twice is materialized, and each table then scanned all of it, about a second with 1,500 tables).
SELECT c.oid::bigint                                             AS oid,
       n.nspname                                                 AS schema,
       c.relname                                                 AS name,
       pg_catalog.pg_relation_size(c.oid)                        AS size_bytes,
       greatest(c.reltuples, 0)::bigint                          AS estimated_rows,
       coalesce((SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '{}') AS columns,
       EXISTS (SELECT 1
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
               JOIN pg_catalog.pg_type bt ON bt.oid = coalesce(nullif(t.typbasetype, 0), t.oid)
               LEFT JOIN pg_catalog.pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                 AND (bt.typtype = 'c'
                      OR bt.typsend = 0 OR bt.typreceive = 0
                      OR (bt.typnamespace = 'pg_catalog'::pg_catalog.regnamespace AND bt.typname IN ('regproc', 'regprocedure', 'regoper', 'regoperator', 'regclass', 'regtype', 'regconfig', 'regdictionary', 'regnamespace', 'regrole', 'regcollation'))
                      OR (et.oid IS NOT NULL AND (et.oid >= 16384 OR et.typtype = 'c'
                                                  OR (et.typnamespace = 'pg_catalog'::pg_catalog.regnamespace AND et.typname IN ('regproc', 'regprocedure', 'regoper', 'regoperator', 'regclass', 'regtype', 'regconfig', 'regdictionary', 'regnamespace', 'regrole', 'regcollation')))))) AS needs_text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 4 DESC
