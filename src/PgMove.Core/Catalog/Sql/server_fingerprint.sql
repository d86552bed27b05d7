-- What tells one server from another whatever host name, address or database reached it. The system identifier
-- and data directory may be hidden from a non-privileged role (then null); the start time and the databases'
-- oids and names are readable by anyone.
SELECT CASE WHEN pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
            THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END  AS system_identifier,
       (SELECT setting FROM pg_catalog.pg_settings WHERE name = 'data_directory')          AS data_directory,
       extract(epoch FROM pg_catalog.pg_postmaster_start_time())::text                   AS started_at,
       (SELECT pg_catalog.string_agg(oid::text || ':' || datname, ',' ORDER BY oid)
          FROM pg_catalog.pg_database)                                                   AS databases
