-- Renews this node's leases; returns the ones it still holds (a lease lost to another node is not renewed).
UPDATE {schema}.migrations SET lease_until = pg_catalog.now() + @lease
WHERE id = ANY (@ids) AND lease_owner = @node
RETURNING id
