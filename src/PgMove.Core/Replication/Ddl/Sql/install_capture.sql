-- PgMove's DDL capture in one source database (see DdlCapture.cs, which fills in the quoted names, the message
-- prefix and the parts that differ by sink: the log table, the privilege check and how a DDL is sent or recorded).
-- Runs in one transaction; replaces an earlier install but keeps its log (the subscription method's pending DDL).
DROP EVENT TRIGGER IF EXISTS {end_trigger};
DROP EVENT TRIGGER IF EXISTS {start_trigger};
DROP EVENT TRIGGER IF EXISTS {drop_trigger};
CREATE SCHEMA IF NOT EXISTS {schema};
{log_table}

CREATE OR REPLACE FUNCTION {schema}.{function}() RETURNS event_trigger
-- No SET search_path: the function must read the caller's (it runs as the caller, so it gains no rights).
LANGUAGE plpgsql AS $pgmove$
DECLARE
    query text;
    objects jsonb := '[]';
    dropped jsonb := '[]';
    statement_key text;
    ordinal int := 0;
    payload text;
BEGIN
    -- CREATE TABLE AS and SELECT INTO are sent at their start, before their rows: the end is not sent again.
    IF TG_EVENT = 'ddl_command_end' AND TG_TAG IN ('CREATE TABLE AS', 'SELECT INTO') THEN
        RETURN;
    END IF;
    -- Everything below is PgMove's own work: an error there must never make the user's DDL fail.
    BEGIN
        IF TG_EVENT = 'sql_drop' THEN
            -- Kept for the ddl_command_end of the same command, which cannot see what was dropped.
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('type', d.object_type, 'identity', d.object_identity, 'temporary', d.is_temporary, 'schema', d.schema_name)), '[]')
              INTO dropped FROM pg_catalog.pg_event_trigger_dropped_objects() d WHERE d.original;
            PERFORM pg_catalog.set_config('pgmove.ddl_dropped', dropped::text, true);
            RETURN;
        END IF;
        IF pg_catalog.current_setting('pgmove.fail_ddl_capture', true) = 'on' THEN
            RAISE EXCEPTION 'the capture was made to fail (pgmove.fail_ddl_capture = on)';
        END IF;
        query := pg_catalog.current_query();
        IF TG_EVENT = 'ddl_command_end' THEN
            -- Commands run by an extension's script belong to its CREATE/ALTER EXTENSION, which is sent itself.
            IF EXISTS (SELECT FROM pg_catalog.pg_event_trigger_ddl_commands() c WHERE c.in_extension) THEN
                RETURN;
            END IF;
            SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('tag', c.command_tag, 'type', c.object_type, 'identity', c.object_identity, 'schema', c.schema_name)), '[]')
              INTO objects FROM pg_catalog.pg_event_trigger_ddl_commands() c;
            dropped := coalesce(nullif(pg_catalog.current_setting('pgmove.ddl_dropped', true), ''), '[]')::jsonb;
            PERFORM pg_catalog.set_config('pgmove.ddl_dropped', '', true);
        END IF;
        -- The n-th DDL event of one query string (statements sent together share the text and the statement
        -- time): the target runs the n-th DDL statement of that string.
        statement_key := pg_catalog.md5(coalesce(query, '')) || ' ' || pg_catalog.statement_timestamp()::text;
        IF pg_catalog.current_setting('pgmove.ddl_statement', true) = statement_key THEN
            ordinal := pg_catalog.current_setting('pgmove.ddl_ordinal', true)::int + 1;
        END IF;
        PERFORM pg_catalog.set_config('pgmove.ddl_statement', statement_key, true);
        PERFORM pg_catalog.set_config('pgmove.ddl_ordinal', ordinal::text, true);
        -- Not carried: publications and subscriptions (PgMove's own among them), temporary objects, and PgMove's own
        -- bookkeeping schema and what is in it (a server that is the source of one stream can be the target of the
        -- other: after a cutover with fallback, PgMove's cleanup there must not reach the old server).
        IF TG_TAG IN ('CREATE PUBLICATION', 'ALTER PUBLICATION', 'DROP PUBLICATION', 'CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION', 'DROP SUBSCRIPTION')
           OR (pg_catalog.jsonb_array_length(objects) > 0 AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(objects) o
                   WHERE coalesce(o->>'schema', '') NOT LIKE 'pg\_temp%' AND coalesce(o->>'schema', CASE WHEN o->>'type' = 'schema' THEN o->>'identity' END, '') <> {schema_literal}))
           OR (pg_catalog.jsonb_array_length(dropped) > 0 AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(dropped) o
                   WHERE NOT (o->>'temporary')::boolean AND coalesce(o->>'schema', CASE WHEN o->>'type' = 'schema' THEN o->>'identity' END, '') <> {schema_literal})) THEN
            RETURN;
        END IF;
        IF NOT ({can_send}) THEN
            RAISE EXCEPTION 'the role % may not send or record DDL for PgMove', current_user;
        END IF;
        payload := pg_catalog.jsonb_build_object(
            'event', TG_EVENT, 'tag', TG_TAG, 'query', query, 'ordinal', ordinal,
            'search_path', pg_catalog.current_setting('search_path'), 'role', current_user,
            'objects', objects, 'dropped', dropped)::text;
    EXCEPTION WHEN OTHERS THEN
        -- Tell the target that a DDL went by uncaptured (it stops that database, naming the statement).
        BEGIN
            RAISE WARNING 'PgMove could not capture this DDL for the migration (%): the migration will stop this database and name it', SQLERRM;
            IF ({can_send}) THEN
                payload := pg_catalog.jsonb_build_object(
                    'event', TG_EVENT, 'tag', TG_TAG, 'query', pg_catalog.current_query(), 'error', SQLERRM || ' (' || SQLSTATE || ')')::text;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            NULL; -- the stream's schema checks remain
        END;
    END;
    -- Sent outside the EXCEPTION blocks: a message written in their subtransaction was seen not to reach
    -- pgoutput when the table it creates gets rows in the same transaction (PostgreSQL 15). Nothing here can
    -- fail once the payload is built and the privilege checked.
    IF payload IS NOT NULL THEN
        {send}
    END IF;
END
$pgmove$;

CREATE EVENT TRIGGER {end_trigger} ON ddl_command_end EXECUTE FUNCTION {schema}.{function}();
CREATE EVENT TRIGGER {start_trigger} ON ddl_command_start WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO') EXECUTE FUNCTION {schema}.{function}();
CREATE EVENT TRIGGER {drop_trigger} ON sql_drop EXECUTE FUNCTION {schema}.{function}();
-- Also in sessions that set session_replication_role = replica (a bulk load, say): their DDL changes the schema too.
ALTER EVENT TRIGGER {end_trigger} ENABLE ALWAYS;
ALTER EVENT TRIGGER {start_trigger} ENABLE ALWAYS;
ALTER EVENT TRIGGER {drop_trigger} ENABLE ALWAYS;
