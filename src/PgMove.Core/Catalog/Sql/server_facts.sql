-- One row describing the server and the connected role.
SELECT current_setting('server_version_num')::int                  AS version_num,
       current_setting('server_version')                           AS version,
       r.rolsuper                                                  AS is_superuser,
       r.rolreplication                                            AS can_replicate,
       r.rolcreatedb                                               AS can_create_db,
       r.rolcreaterole                                             AS can_create_role,
       CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'pg_read_all_data')
            THEN pg_catalog.pg_has_role(current_user, 'pg_read_all_data', 'member') ELSE false END AS reads_all_data,
       current_setting('wal_level')                                AS wal_level,
       current_setting('max_replication_slots')::int               AS max_replication_slots,
       current_setting('max_wal_senders')::int                     AS max_wal_senders,
       current_setting('max_logical_replication_workers')::int     AS max_logical_replication_workers,
       current_setting('max_worker_processes')::int                AS max_worker_processes,
       current_setting('listen_addresses')                         AS listen_addresses,
       (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS slots_in_use,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity
         WHERE backend_type = 'walsender')::int                    AS wal_senders_in_use,
       current_user                                                AS current_user
FROM pg_catalog.pg_roles r
WHERE r.rolname = current_user
