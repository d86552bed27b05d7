-- Row count and an order-independent checksum: the exact (numeric) sum of the first 64 bits of the md5 of
-- each row's text, taken in UTF-8 so that the database encoding does not matter. One row comes back,
-- whatever the table's size. {row} is ROW(col1, col2, ...) in a fixed column order, {table} the quoted
-- table name, {where} empty or a key range on @from and @to.
SELECT pg_catalog.count(*) AS row_count,
       COALESCE(pg_catalog.sum(
           ('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.convert_to(({row})::text, 'UTF8')), 1, 16))::bit(64)::bigint
       ), 0)::text AS checksum
FROM {table}
{where}
