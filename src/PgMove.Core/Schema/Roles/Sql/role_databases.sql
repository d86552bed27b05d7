-- The databases a per-database role setting can name.
SELECT datname::text FROM pg_catalog.pg_database
