-- The subscription method's DDL log (DdlCaptureSink.Log): one row per captured DDL, with the source's WAL position
-- and transaction at capture (to place it against the subscription's apply) and the same payload as the relay's message.
-- Unlogged: never published (the publication is FOR ALL TABLES), no WAL; a crash of the source empties it, and then
-- the migration names the missing table or column from both catalogs, as without the log.
CREATE UNLOGGED TABLE IF NOT EXISTS {schema}.{log} (
    id bigint GENERATED ALWAYS AS IDENTITY,
    lsn pg_catalog.pg_lsn NOT NULL,
    txid bigint NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    payload text NOT NULL
);
