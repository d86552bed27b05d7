SELECT id, method, status, created_at, updated_at, source, target, ignore_dbs::text, error, fix, request,
       runner_pid, runner_heartbeat, result, databases::text, runner_host, lease_owner, lease_until, warnings::text, switch_step, capture_ddl, limits::text
FROM {schema}.migrations
