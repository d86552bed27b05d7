-- Takes one migration's lease when it is free, expired or already this node's. SKIP LOCKED: a node that is
-- claiming it at this instant wins, we do not wait for it.
WITH free AS (
    SELECT id FROM {schema}.migrations
    WHERE id = @id AND (lease_owner IS NULL OR lease_owner = @node OR lease_until < pg_catalog.now())
    FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.migrations m SET lease_owner = @node, lease_until = pg_catalog.now() + @lease
FROM free WHERE m.id = free.id
RETURNING m.id
