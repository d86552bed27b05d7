-- ALTER ROLE … SET and ALTER ROLE … IN DATABASE … SET, as "name=value" entries; the database by name (NULL for every
-- database). Settings of databases alone (ALTER DATABASE … SET) are not the roles' and stay out.
SELECT r.rolname::text, d.datname::text, s.setting
FROM pg_catalog.pg_db_role_setting c
JOIN pg_catalog.pg_roles r ON r.oid = c.setrole
LEFT JOIN pg_catalog.pg_database d ON d.oid = c.setdatabase
CROSS JOIN LATERAL pg_catalog.unnest(c.setconfig) AS s(setting)
WHERE c.setdatabase = 0 OR d.oid IS NOT NULL
ORDER BY 1, 2, 3
