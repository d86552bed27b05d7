-- Columns of REPLICA IDENTITY FULL tables whose type has no equality operator (json, xml, point, polygon, box, ...):
-- a subscriber finds the row of an UPDATE or DELETE by comparing every column with its type's default btree or
-- hash equality, and fails ("could not identify an equality operator") for these types. A default operator class of
-- another type counts only when the type is implicitly binary-coercible to it (varchar to text, cidr to inet), as
-- PostgreSQL's lookup requires: xml's binary cast to text is for assignment only, so xml has none. Domains count as
-- their base type, arrays and composite types as their elements. Published tables only: permanent, not partitioned parents, not of extensions or system schemas.
WITH RECURSIVE columns AS (
    SELECT n.nspname::text AS schema, c.relname::text AS name, a.attname::text AS column_name,
           a.atttypid AS column_type, a.atttypid AS typid, 0 AS depth
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind = 'r'
      AND c.relreplident = 'f'
      AND c.relpersistence = 'p'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT col.schema, col.name, col.column_name, col.column_type, inner_type.typid, col.depth + 1
    FROM columns col
    JOIN pg_catalog.pg_type t ON t.oid = col.typid
    CROSS JOIN LATERAL (
        SELECT t.typbasetype AS typid WHERE t.typtype = 'd'
        UNION ALL
        SELECT t.typelem WHERE t.typtype = 'b' AND t.typelem <> 0 AND t.typlen = -1
        UNION ALL
        SELECT a.atttypid FROM pg_catalog.pg_attribute a
        WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    ) AS inner_type
    WHERE col.depth < 8
)
SELECT DISTINCT col.schema, col.name, col.column_name, pg_catalog.format_type(col.column_type, NULL)
FROM columns col
JOIN pg_catalog.pg_type t ON t.oid = col.typid
WHERE t.typtype = 'b'
  AND NOT (t.typelem <> 0 AND t.typlen = -1)
  AND NOT EXISTS (
      SELECT 1
      FROM pg_catalog.pg_opclass o
      JOIN pg_catalog.pg_am am ON am.oid = o.opcmethod
      WHERE am.amname IN ('btree', 'hash')
        AND o.opcdefault
        AND (o.opcintype = col.typid
             OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast k
                        WHERE k.castsource = col.typid AND k.casttarget = o.opcintype
                          AND k.castmethod = 'b' AND k.castcontext = 'i')))
ORDER BY 1, 2, 3
