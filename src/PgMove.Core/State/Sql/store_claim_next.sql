-- The oldest active migration into one of this node's clusters that nobody leases (released, or its node died
-- and the lease expired). Concurrent claimers skip each other's locked rows: each migration goes to one node.
WITH next AS (
    SELECT id FROM {schema}.migrations
    WHERE status IN ('running', 'syncing') AND target = ANY (@targets)
      AND (lease_owner IS NULL OR lease_until < pg_catalog.now())
    ORDER BY created_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.migrations m SET lease_owner = @node, lease_until = pg_catalog.now() + @lease
FROM next WHERE m.id = next.id
RETURNING m.id
