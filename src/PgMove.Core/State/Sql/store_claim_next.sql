-- The oldest active migration into one of this node's clusters that nobody leases (released, or its node died
-- and the lease expired), or the fallback stream of one (it runs from the cluster back to the old server, so it is
-- found by its source). Not while the other record of its pair (the same servers the other way round) is active and
-- leased: a cutover with fallback or a fallback is under way there, and its run goes on with this one once it is done.
--
-- Claims are serialised by a transaction-scoped advisory lock, taken by a statement of its own before the claim.
-- FOR UPDATE SKIP LOCKED alone locks only the chosen row and reads the pair's other record without a lock: a node
-- claiming the migration (its row locked, its lease not yet committed) made a second node skip to the stream and see
-- the migration still free, and both records of the pair were claimed at once. Behind the lock, the claim statement
-- starts after the previous claimer committed and, under READ COMMITTED (the caller asks for it), its snapshot shows
-- that lease. One lock for every claim rather than one per pair: the pair is not known before the row is chosen, and
-- a claim is one short statement every few seconds per node, so nobody waits long.
SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pgmove.claim'));
WITH next AS (
    SELECT id FROM {schema}.migrations m
    WHERE status IN ('running', 'syncing') AND (target = ANY (@targets) OR method = 'fallback' AND source = ANY (@targets))
      AND (lease_owner IS NULL OR lease_until < pg_catalog.now())
      AND NOT EXISTS (
          SELECT 1 FROM {schema}.migrations o
          WHERE o.source = m.target AND o.target = m.source AND o.status IN ('running', 'syncing') AND o.lease_until >= pg_catalog.now())
    ORDER BY created_at
    LIMIT 1
    -- Still needed behind the lock: a node taking one migration's lease by its id (TryClaim) does not take the lock.
    FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.migrations u SET lease_owner = @node, lease_until = pg_catalog.now() + @lease
FROM next WHERE u.id = next.id
RETURNING u.id
