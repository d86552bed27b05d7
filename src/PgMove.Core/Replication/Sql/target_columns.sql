-- The columns of a target table that replication writes (generated columns are computed there), with their types,
-- and whether each is GENERATED ALWAYS AS IDENTITY (INSERT needs OVERRIDING SYSTEM VALUE, UPDATE cannot SET it).
SELECT a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attidentity = 'a' AS always_identity
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = @relation::pg_catalog.regclass
  AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
