-- Every role and the attributes ALTER ROLE sets. pg_roles is readable by everyone (its password column is masked).
-- No expiry and 'infinity' mean the same and read as NULL; an expiry is read in UTC so both servers compare alike.
SELECT r.rolname::text,
       r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, r.rolbypassrls,
       r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL OR r.rolvaliduntil = 'infinity' THEN NULL
            ELSE pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' END,
       r.oid = 10 AS bootstrap
FROM pg_catalog.pg_roles r
ORDER BY 1
