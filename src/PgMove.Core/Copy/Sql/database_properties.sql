-- What pg_dump only carries with --create: per-database (and per-role-in-database) settings, grants, comment.
SELECT (SELECT pg_catalog.array_agg(ROW(coalesce(r.rolname, ''), s.cfg)::text)
          FROM pg_catalog.pg_db_role_setting rs
          CROSS JOIN LATERAL pg_catalog.unnest(rs.setconfig) AS s(cfg)
          LEFT JOIN pg_catalog.pg_roles r ON r.oid = rs.setrole
         WHERE rs.setdatabase = d.oid)                                          AS settings,
       d.datacl IS NOT NULL                                                   AS has_acl,
       (SELECT pg_catalog.array_agg(CASE WHEN a.grantee = 0 THEN '' ELSE a.grantee::regrole::text END || '|' || a.privilege_type)
          FROM pg_catalog.aclexplode(d.datacl) a)                             AS grants,
       pg_catalog.shobj_description(d.oid, 'pg_database')                     AS comment
FROM pg_catalog.pg_database d
WHERE d.datname = @name
