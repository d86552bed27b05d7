-- The columns of a target table that replication writes (generated columns are computed there), with their types,
-- whether each is GENERATED ALWAYS AS IDENTITY (INSERT needs OVERRIDING SYSTEM VALUE, UPDATE cannot SET it), and
-- whether a row can leave it out (nullable, a default, an identity). to_regclass: a missing table gives one row of
-- NULLs (exists false) rather than an error, which would abort the apply transaction the query runs in.
SELECT a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attidentity = 'a' AS always_identity,
       (NOT a.attnotnull OR a.atthasdef OR a.attidentity <> '') AS optional,
       r.rel IS NOT NULL AS exists
FROM (SELECT pg_catalog.to_regclass(@relation) AS rel) r
LEFT JOIN pg_catalog.pg_attribute a
  ON a.attrelid = r.rel AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
