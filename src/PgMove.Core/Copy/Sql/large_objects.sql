-- Every large object with its owner and grants ("role|PRIVILEGE", an empty role for PUBLIC).
SELECT m.oid::bigint AS oid,
       m.lomowner::regrole::text AS owner,
       (SELECT pg_catalog.array_agg(CASE WHEN a.grantee = 0 THEN '' ELSE a.grantee::regrole::text END || '|' || a.privilege_type)
          FROM pg_catalog.aclexplode(m.lomacl) a) AS grants
FROM pg_catalog.pg_largeobject_metadata m
ORDER BY 1
