SELECT m.oid::text AS oid FROM pg_catalog.pg_largeobject_metadata m ORDER BY 1
