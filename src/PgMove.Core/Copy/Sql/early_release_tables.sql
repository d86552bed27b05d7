-- Tables whose rows may be copied while later parts of the pre-data schema are still being restored
-- (Copy/PreDataChunks.cs). A later part takes strong locks on some tables (a column default or identity set with
-- ALTER TABLE, a partition's ATTACH, which would also scan the rows already copied): those wait for the whole
-- schema. So do tables whose COPY locks a second relation (a column of a row type, a domain, a range or an array of
-- them; a CHECK constraint that calls a user function, which may read any table): a later part holding that
-- relation while it waits for this COPY would deadlock with it. What is left is a plain table of base types.
SELECT c.oid::bigint
FROM pg_catalog.pg_class c
WHERE c.relkind = 'r'
  AND c.oid >= 16384  -- made after initdb: the dump's tables
  AND NOT c.relispartition
  AND c.reloftype = 0
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_attrdef d WHERE d.adrelid = c.oid)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                  LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND (a.attidentity <> '' OR a.attgenerated <> ''
                         OR t.typtype NOT IN ('b', 'e')
                         OR (e.oid IS NOT NULL AND e.typtype NOT IN ('b', 'e'))))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                  JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dep.objid = k.oid
                  WHERE k.conrelid = c.oid AND k.contype = 'c'
                    AND dep.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND dep.refobjid >= 16384)
