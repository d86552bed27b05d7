-- Removes PgMove's DDL capture from one source database: the triggers first, so that nothing fires while the
-- function, the log (subscription method) and (when nothing else is left in it) the schema go.
DROP EVENT TRIGGER IF EXISTS {end_trigger};
DROP EVENT TRIGGER IF EXISTS {start_trigger};
DROP EVENT TRIGGER IF EXISTS {drop_trigger};
DROP FUNCTION IF EXISTS {schema}.{function}();
DROP TABLE IF EXISTS {schema}.{log};
DO $pgmove$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname = {schema_literal})
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_namespace n ON d.refobjid = n.oid
                       WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND n.nspname = {schema_literal}) THEN
        EXECUTE 'DROP SCHEMA ' || pg_catalog.quote_ident({schema_literal});
    END IF;
END
$pgmove$;
