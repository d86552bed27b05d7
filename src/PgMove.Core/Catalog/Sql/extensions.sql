SELECT e.extname AS name, e.extversion AS version
FROM pg_catalog.pg_extension e
WHERE e.extname <> 'plpgsql'
ORDER BY 1
