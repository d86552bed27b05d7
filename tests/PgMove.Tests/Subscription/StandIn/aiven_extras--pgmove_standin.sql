-- TEST STAND-IN — NOT the real aiven_extras extension (see aiven_extras.control).
-- Offers the subscription functions PgMove's subscription method calls, with the same names, argument
-- types, defaults and results as the managed services document them. Trusted: a database owner without
-- superuser installs it, and the functions below run as the bootstrap superuser (SECURITY DEFINER).
\echo Use "CREATE EXTENSION aiven_extras" to load this file. \quit

CREATE TYPE aiven_extras.aiven_pg_subscription AS (
    subdbid oid,
    subname name,
    subowner oid,
    subenabled boolean,
    subconninfo text,
    subslotname name,
    subsynccommit text,
    subpublications text[]
);

-- dblink's C entry point dblink_exec (commands only, no result rows: remote work is wrapped in DO), declared here
-- so that the stand-in needs no dblink extension in the database.
CREATE FUNCTION aiven_extras.standin_remote_command(conninfo text, command text)
RETURNS text LANGUAGE c STRICT
AS '$libdir/dblink', 'dblink_exec';
REVOKE ALL ON FUNCTION aiven_extras.standin_remote_command(text, text) FROM PUBLIC;

CREATE FUNCTION aiven_extras.pg_create_subscription(
    arg_subscription_name text,
    arg_connection_string text,
    arg_publication_name text,
    arg_slot_name text,
    arg_slot_create boolean DEFAULT false,
    arg_copy_data boolean DEFAULT true)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
    IF arg_slot_create THEN
        PERFORM aiven_extras.standin_remote_command(arg_connection_string, format(
            'DO $remote$ BEGIN PERFORM pg_catalog.pg_create_logical_replication_slot(%L, %L) WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_replication_slots WHERE slot_name = %L); END $remote$',
            arg_slot_name, 'pgoutput', arg_slot_name));
    END IF;
    EXECUTE format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (slot_name = %L, create_slot = false, copy_data = %s)',
        arg_subscription_name, arg_connection_string, arg_publication_name, arg_slot_name, CASE WHEN arg_copy_data THEN 'true' ELSE 'false' END);
END
$body$;

CREATE FUNCTION aiven_extras.pg_list_all_subscriptions()
RETURNS SETOF aiven_extras.aiven_pg_subscription LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
    SELECT s.subdbid, s.subname, s.subowner, s.subenabled, s.subconninfo, s.subslotname, s.subsynccommit, s.subpublications
    FROM pg_catalog.pg_subscription s
$body$;

CREATE FUNCTION aiven_extras.pg_alter_subscription_enable(arg_subscription_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
    EXECUTE format('ALTER SUBSCRIPTION %I ENABLE', arg_subscription_name);
END
$body$;

CREATE FUNCTION aiven_extras.pg_alter_subscription_disable(arg_subscription_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
BEGIN
    EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', arg_subscription_name);
END
$body$;

-- Drops the subscription without letting it touch the source, then drops its slot there through dblink.
CREATE FUNCTION aiven_extras.pg_drop_subscription(arg_subscription_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    v_slot name;
    v_conninfo text;
BEGIN
    SELECT s.subslotname, s.subconninfo INTO v_slot, v_conninfo
    FROM pg_catalog.pg_subscription s
    WHERE s.subname = arg_subscription_name
      AND s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database());
    IF v_conninfo IS NULL THEN
        RAISE EXCEPTION 'No subscription found for name: %', arg_subscription_name;
    END IF;
    EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', arg_subscription_name);
    EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', arg_subscription_name);
    EXECUTE format('DROP SUBSCRIPTION %I', arg_subscription_name);
    IF v_slot IS NOT NULL THEN
        PERFORM aiven_extras.standin_remote_command(v_conninfo, format(
            'DO $remote$ BEGIN PERFORM pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = %L; END $remote$', v_slot));
    END IF;
END
$body$;
