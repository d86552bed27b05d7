-- The next changes the subscription has not confirmed, read without consuming them (the slot must be inactive).
SELECT data, lsn
FROM pg_catalog.pg_logical_slot_peek_binary_changes(@slot, NULL, 256, VARIADIC ARRAY['proto_version', '1', 'publication_names', @publications])
