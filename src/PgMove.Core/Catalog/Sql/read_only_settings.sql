-- Every default_transaction_read_only set by ALTER DATABASE / ALTER ROLE [IN DATABASE], with the database and
-- role it applies to (null: every one) and its value as written (PostgreSQL parses it as a boolean).
SELECT d.datname                                                   AS database,
       r.rolname                                                   AS role,
       substr(c.setting, length('default_transaction_read_only=') + 1) AS value
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
CROSS JOIN LATERAL pg_catalog.unnest(s.setconfig) AS c(setting)
WHERE c.setting LIKE 'default\_transaction\_read\_only=%'
