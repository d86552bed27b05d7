-- Where the next chunk starts: the key that comes @rows keys after the first key >= @from, or no row
-- when fewer remain. Walks the primary key index only.
SELECT {key}::bigint
FROM {table}
WHERE {key} >= @from
ORDER BY {key}
OFFSET @rows
LIMIT 1
