-- Password hashes: pg_authid is readable by superusers only, the caller reads it only then.
SELECT rolname::text, rolpassword FROM pg_catalog.pg_authid
