-- Whether this session's transactions are read-only by default and which layer set that default
-- (configuration file, database, user, database user ...), and whether the server is a standby.
SELECT pg_catalog.pg_is_in_recovery()  AS in_recovery,
       s.setting = 'on'                AS default_read_only,
       s.source                        AS source,
       pg_catalog.current_database()   AS database,
       current_user                    AS role
FROM pg_catalog.pg_settings s
WHERE s.name = 'default_transaction_read_only'
