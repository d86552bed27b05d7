-- Of the tables the source publishes (@schemas, @names), those the subscription @oid does not hold yet, and whether
-- a table of that name exists in this target database: the apply skips changes of a table that is not subscribed.
SELECT p.schema, p.name, c.oid IS NOT NULL AS on_target
FROM unnest(@schemas::text[], @names::text[]) AS p(schema, name)
LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = p.schema
LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.name AND c.relkind IN ('r', 'p')
WHERE c.oid IS NULL
   OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_subscription_rel r WHERE r.srsubid = @oid AND r.srrelid = c.oid)
ORDER BY 1, 2
