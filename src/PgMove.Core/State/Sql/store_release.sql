-- This node lets go of a migration (detached, finished or failed): another node may take it at once.
UPDATE {schema}.migrations SET lease_owner = NULL, lease_until = NULL
WHERE id = @id AND lease_owner = @node
