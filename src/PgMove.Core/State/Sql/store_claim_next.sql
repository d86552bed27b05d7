-- The oldest active migration into one of this node's clusters that nobody leases (released, or its node died
-- and the lease expired), or the fallback stream of one (it runs from the cluster back to the old server, so it is
-- found by its source). Not while the other record of its pair (the same servers the other way round) is active and
-- leased: a cutover with fallback or a fallback is under way there, and its run goes on with this one once it is done.
-- Concurrent claimers skip each other's locked rows: each migration goes to one node.
WITH next AS (
    SELECT id FROM {schema}.migrations m
    WHERE status IN ('running', 'syncing') AND (target = ANY (@targets) OR method = 'fallback' AND source = ANY (@targets))
      AND (lease_owner IS NULL OR lease_until < pg_catalog.now())
      AND NOT EXISTS (
          SELECT 1 FROM {schema}.migrations o
          WHERE o.source = m.target AND o.target = m.source AND o.status IN ('running', 'syncing') AND o.lease_until >= pg_catalog.now())
    ORDER BY created_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.migrations u SET lease_owner = @node, lease_until = pg_catalog.now() + @lease
FROM next WHERE u.id = next.id
RETURNING u.id
