-- The shared store's tables, created on first use. Two nodes starting at once serialise on an advisory lock
-- (CREATE ... IF NOT EXISTS alone can still fail on the catalog's unique indexes when run concurrently).
SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgmove.store'));
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.migrations (
    id               text PRIMARY KEY,
    method           text NOT NULL,
    status           text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    source           text NOT NULL,
    target           text NOT NULL,
    ignore_dbs       jsonb NOT NULL,
    secrets          bytea NOT NULL,
    error            text,
    fix              text,
    request          text,
    runner_pid       integer,
    runner_heartbeat timestamptz,
    result           text,
    databases        jsonb NOT NULL DEFAULT '[]',
    lease_owner      text,
    lease_until      timestamptz
);
-- Added after the first release: stores created before it gain the column.
ALTER TABLE {schema}.migrations ADD COLUMN IF NOT EXISTS runner_host text;
ALTER TABLE {schema}.migrations ADD COLUMN IF NOT EXISTS warnings jsonb NOT NULL DEFAULT '[]';
ALTER TABLE {schema}.migrations ADD COLUMN IF NOT EXISTS switch_settings bytea;
ALTER TABLE {schema}.migrations ADD COLUMN IF NOT EXISTS switch_step text;
ALTER TABLE {schema}.migrations ADD COLUMN IF NOT EXISTS capture_ddl boolean NOT NULL DEFAULT true;
ALTER TABLE {schema}.migrations ADD COLUMN IF NOT EXISTS limits jsonb NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS migrations_pair ON {schema}.migrations (source, target, created_at);
-- One active migration per target, whichever node starts it: two nodes starting one at the same instant must not both win.
CREATE UNIQUE INDEX IF NOT EXISTS migrations_one_active_per_target ON {schema}.migrations (target) WHERE status IN ('running', 'syncing');
