-- Who is a member of which role, one row per grant (PostgreSQL 16 keeps one per grantor); the grantor is needed to
-- revoke a grant there.
SELECT r.rolname::text AS role, m.rolname::text AS member, a.admin_option, g.rolname::text AS grantor
FROM pg_catalog.pg_auth_members a
JOIN pg_catalog.pg_roles r ON r.oid = a.roleid
JOIN pg_catalog.pg_roles m ON m.oid = a.member
LEFT JOIN pg_catalog.pg_roles g ON g.oid = a.grantor
ORDER BY 1, 2
