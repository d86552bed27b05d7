-- A column's missing value on the source (the value its rows that predate ADD COLUMN read), as text of a
-- one-element array of the column's type. No row: the table or the column is gone on the source.
SELECT a.atthasmissing, a.attmissingval::text
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass(@table) AND a.attname = @column AND a.attnum > 0 AND NOT a.attisdropped
