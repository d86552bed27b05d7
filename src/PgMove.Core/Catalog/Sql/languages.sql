-- Procedural languages not created by an extension (those are checked with the extensions).
SELECT l.lanname AS name
FROM pg_catalog.pg_language l
WHERE l.lanispl
  AND l.lanname <> 'plpgsql'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_language'::regclass AND d.objid = l.oid AND d.deptype = 'e')
ORDER BY 1
