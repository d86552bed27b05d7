-- Extensions the server can install, with every version it ships.
SELECT v.name, pg_catalog.array_agg(v.version ORDER BY v.version) AS versions,
       (SELECT a.default_version FROM pg_catalog.pg_available_extensions a WHERE a.name = v.name) AS default_version
FROM pg_catalog.pg_available_extension_versions v
GROUP BY v.name
