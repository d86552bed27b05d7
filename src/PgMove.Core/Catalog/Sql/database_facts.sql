-- Counts of what logical replication does not carry, for one database.
SELECT (SELECT count(*) FROM pg_catalog.pg_largeobject_metadata)::bigint AS large_objects,
       (SELECT count(*) FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'u'
           AND n.nspname NOT IN ('pg_catalog', 'information_schema'))::int AS unlogged_tables,
       (SELECT count(*) FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'm' AND n.nspname NOT IN ('pg_catalog', 'information_schema'))::int AS materialized_views,
       (SELECT count(*) FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\_toast%')::int AS tables
