-- Whether this database holds nothing that pg_dump --schema-only --no-publications --no-subscriptions would dump,
-- and no rows: no object made after initdb (every such catalog row has an oid of 16384 or more), no privileges of a
-- built-in object changed from its initial ones, no security label, and the public schema as a new database has it.
-- Conservative: anything unusual makes it false, and the database is copied the full way.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_class WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_type WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_collation WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_conversion WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_operator WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_opclass WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_opfamily WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_am WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_cast WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_language WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_ts_config WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_ts_dict WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_ts_parser WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_ts_template WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_data_wrapper)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_user_mapping)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_default_acl)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_largeobject_metadata)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_policy)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_rewrite WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_statistic_ext)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_transform)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_attrdef WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_enum WHERE oid >= 16384)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_seclabel)
   -- pg_dump dumps the privileges of built-in objects where they differ from pg_init_privs (information_schema's,
   -- which pg_init_privs does not hold, it never dumps).
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc p
                   WHERE p.pronamespace OPERATOR(pg_catalog.<>) 'information_schema'::pg_catalog.regnamespace AND p.proacl IS DISTINCT FROM (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
                                                    WHERE i.objoid = p.oid AND i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objsubid = 0))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                   WHERE c.relnamespace OPERATOR(pg_catalog.<>) 'information_schema'::pg_catalog.regnamespace AND c.relacl IS DISTINCT FROM (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
                                                    WHERE i.objoid = c.oid AND i.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.objsubid = 0))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                   WHERE c.relnamespace OPERATOR(pg_catalog.<>) 'information_schema'::pg_catalog.regnamespace AND a.attacl IS DISTINCT FROM (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
                                                    WHERE i.objoid = a.attrelid AND i.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.objsubid = a.attnum))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_type t
                   WHERE t.typnamespace OPERATOR(pg_catalog.<>) 'information_schema'::pg_catalog.regnamespace AND t.typacl IS DISTINCT FROM (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
                                                    WHERE i.objoid = t.oid AND i.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND i.objsubid = 0))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_language l
                   WHERE l.lanacl IS DISTINCT FROM (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
                                                    WHERE i.objoid = l.oid AND i.classoid = 'pg_catalog.pg_language'::pg_catalog.regclass AND i.objsubid = 0))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n
                   WHERE n.nspname NOT IN ('public', 'information_schema')
                     AND n.nspacl IS DISTINCT FROM (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
                                                    WHERE i.objoid = n.oid AND i.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND i.objsubid = 0))
   -- The public schema: owner, privileges and comment as initdb made them (PostgreSQL 15 gave it to
   -- pg_database_owner and took CREATE from PUBLIC).
   AND EXISTS (SELECT FROM pg_catalog.pg_namespace n,
                           (SELECT pg_catalog.quote_ident(rolname) AS name FROM pg_catalog.pg_roles WHERE oid = 10) r
               WHERE n.nspname = 'public'
                 AND pg_catalog.obj_description(n.oid, 'pg_namespace') IS NOT DISTINCT FROM 'standard public schema'
                 AND CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 150000
                          THEN n.nspowner = 6171
                               AND n.nspacl::text[] = ARRAY['pg_database_owner=UC/pg_database_owner', '=U/pg_database_owner']
                          ELSE n.nspowner = 10
                               AND (n.nspacl IS NULL
                                    OR n.nspacl::text[] = ARRAY[pg_catalog.format('%s=UC/%s', r.name, r.name), pg_catalog.format('=UC/%s', r.name)])
                     END)
