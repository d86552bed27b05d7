-- Every row's key and the md5 of the row, ordered by the key's bytes (UTF-8 text of each column) rather than by a
-- collation, which may differ between the servers: both sides then list the rows in the same order. Run only for a
-- table that differs, to name its first differing key. {keys} are the key columns as bytea, {row} the common
-- columns as in checksum.sql, {where} empty or an integer key range on @from and @to, {order} the positions of the keys.
SELECT {keys}, pg_catalog.md5(pg_catalog.convert_to(({row})::text, 'UTF8'))
FROM {table}
{where}
ORDER BY {order}
