-- The tables whose rows a migration moves: plain tables and leaf partitions (partitioned parents hold no rows),
-- logged or unlogged but not temporary, not members of an extension, outside the system schemas.
-- columns: every live column by attnum. key_column: a single-column int2/int4/int8 primary key, by which
-- big tables are checksummed in chunks; null otherwise. key_columns: the primary key, else the narrowest unique index
-- over NOT NULL columns only (no expression, no predicate), by which verify names the first key that differs; null
-- when there is none.
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
       pg_catalog.pg_table_size(c.oid) AS size_bytes,
       (SELECT ARRAY(SELECT a.attname::text
                     FROM pg_catalog.unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, position)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     ORDER BY k.position)
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = c.oid
          AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]) AND NOT a.attnotnull)
        ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
        LIMIT 1) AS key_columns
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND c.relpersistence IN ('p', 'u')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
