-- Collations a database uses beyond the built-in ones: its own default plus those created by users.
SELECT c.collname AS name, c.collprovider::text AS provider, coalesce(c.collcollate, '') AS locale
FROM pg_catalog.pg_collation c
WHERE c.oid >= 16384
ORDER BY 1
