-- The last column number of each table an ALTER TABLE names and of the tables that inherit from it (ADD COLUMN
-- recurses to them), read on the target before it runs the statement: a column numbered above it afterwards was
-- added by the statement (column numbers are never reused). @tables: object identities, schema-qualified.
WITH RECURSIVE rel(oid) AS (
    SELECT c.oid
    FROM pg_catalog.unnest(@tables::text[]) AS t(name)
    JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name)
    WHERE c.relkind IN ('r', 'p')
  UNION
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN rel ON i.inhparent = rel.oid
)
SELECT rel.oid, (SELECT pg_catalog.max(a.attnum) FROM pg_catalog.pg_attribute a WHERE a.attrelid = rel.oid)::int
FROM rel
