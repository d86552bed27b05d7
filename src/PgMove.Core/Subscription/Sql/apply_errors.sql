-- Errors of the subscription's apply and table-sync workers since it was created (PostgreSQL 15+).
SELECT (apply_error_count + sync_error_count)::bigint FROM pg_catalog.pg_stat_subscription_stats WHERE subid = @oid
