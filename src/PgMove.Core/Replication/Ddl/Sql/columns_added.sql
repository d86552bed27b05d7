-- The columns with a default (or an identity) that the ALTER TABLE just run on the target added to tables that
-- hold rows (relkind r), with what decides whether their existing rows match the source's:
--   missing: PostgreSQL kept the default as the column's missing value (computed once, no rewrite);
--   computed: the default calls something (a function, an operator, current_date, nextval, an identity): a
--   constant, even coerced to a domain (whose CHECK makes PostgreSQL rewrite the table), is the same on both sides;
--   a computed one is computed on each side, so a
--   missing value may differ from the source's, and without one (a volatile default: the table was rewritten)
--   each existing row got its own value.
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS table_name, a.attname::text AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.atthasmissing AS missing,
       (a.attidentity <> '' OR d.adbin::text ~ '\{(FUNCEXPR|OPEXPR|DISTINCTEXPR|NULLIFEXPR|SCALARARRAYOPEXPR|SQLVALUEFUNCTION|NEXTVALUEEXPR|SUBLINK|COERCEVIAIO|ARRAYCOERCEEXPR|MINMAXEXPR|ROWCOMPAREEXPR|XMLEXPR|JSON)') AS computed
FROM ROWS FROM (pg_catalog.unnest(@relations::oid[]), pg_catalog.unnest(@last::int[])) AS r(oid, last)
JOIN pg_catalog.pg_class c ON c.oid = r.oid AND c.relkind = 'r'
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > r.last AND NOT a.attisdropped AND a.attgenerated = ''
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attidentity <> '' OR d.adbin IS NOT NULL
ORDER BY c.oid, a.attnum
