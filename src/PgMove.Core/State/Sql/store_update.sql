-- The runner's heartbeat: progress, and the lease renewed while this node holds it, released when the runner let go.
UPDATE {schema}.migrations
SET status = @status, updated_at = pg_catalog.now(), error = @error, fix = @fix, runner_pid = @pid,
    runner_heartbeat = @heartbeat, result = @result, databases = @databases::jsonb, limits = @limits::jsonb,
    -- The heartbeat's machine; kept when the runner lets go, so that status can name who ran it last.
    runner_host = CASE WHEN @pid::integer IS NULL THEN runner_host ELSE @host END,
    lease_until = CASE WHEN lease_owner = @node THEN CASE WHEN @release THEN NULL ELSE pg_catalog.now() + @lease END ELSE lease_until END,
    lease_owner = CASE WHEN lease_owner = @node AND @release THEN NULL ELSE lease_owner END
WHERE id = @id
