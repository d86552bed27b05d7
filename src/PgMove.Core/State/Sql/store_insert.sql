-- A new migration, leased at once by the node that created it.
INSERT INTO {schema}.migrations (id, method, status, created_at, updated_at, source, target, ignore_dbs, secrets, databases, lease_owner, lease_until, warnings, capture_ddl, limits)
VALUES (@id, @method, @status, @created, @created, @source, @target, @ignore::jsonb, @secrets, @databases::jsonb, @node, pg_catalog.now() + @lease, @warnings::jsonb, @capture_ddl, @limits::jsonb)
