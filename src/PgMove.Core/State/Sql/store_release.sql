-- This node lets go of a migration (detached, finished or failed): another node may take it at once. The runner's
-- pid goes too, so that nobody mistakes another process of this host for its runner.
UPDATE {schema}.migrations SET lease_owner = NULL, lease_until = NULL, runner_pid = NULL
WHERE id = @id AND lease_owner = @node
