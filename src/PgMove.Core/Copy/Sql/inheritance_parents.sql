-- Tables with inheritance children (or partitions): ANALYZE of such a table also samples its children for the
-- inherited statistics, so it cannot run before every child's rows are in.
SELECT DISTINCT i.inhparent::bigint FROM pg_catalog.pg_inherits i
