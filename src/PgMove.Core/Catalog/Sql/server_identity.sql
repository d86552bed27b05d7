-- A stable identity for a server: its system identifier where the role may read it, else its address.
SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system())
