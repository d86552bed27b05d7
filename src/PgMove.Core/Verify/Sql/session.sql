-- The same text output on every server and major (and whatever the role or database sets), so that the
-- same row gives the same text, hence the same hash, on both sides. Read-only, and no timeout: a chunk
-- of a big table may take a while. row_security off: a table whose policies would hide rows from this
-- user fails loudly instead of being counted short (as in pg_dump).
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SET lc_monetary = 'C';
SET statement_timeout = 0;
SET default_transaction_read_only = on;
SET row_security = off;
