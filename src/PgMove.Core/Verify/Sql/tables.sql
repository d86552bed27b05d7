-- The tables whose rows a migration moves: plain tables and leaf partitions (partitioned parents hold no rows),
-- logged or unlogged but not temporary, not members of an extension, outside the system schemas.
-- columns: every live column by attnum. key_column: a single-column int2/int4/int8 primary key, by which
-- big tables are checksummed in chunks; null otherwise.
SELECT n.nspname AS schema,
       c.relname AS name,
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS columns,
       (SELECT a.attname::text
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = c.oid
          AND i.indisprimary
          AND i.indnkeyatts = 1
          AND a.atttypid IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype)
       ) AS key_column,
       pg_catalog.pg_table_size(c.oid) AS size_bytes
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND c.relpersistence IN ('p', 'u')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
