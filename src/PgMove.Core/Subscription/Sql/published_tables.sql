-- The tables PgMove's publication carries in this source database (leaf partitions, not their parents).
SELECT schemaname::text, tablename::text
FROM pg_catalog.pg_publication_tables
WHERE pubname = @publication
