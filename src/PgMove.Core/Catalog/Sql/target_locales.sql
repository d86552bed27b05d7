-- The libc locales and ICU locales the server knows (initdb imports what the OS offers).
SELECT DISTINCT coalesce(c.collcollate, '') AS locale
FROM pg_catalog.pg_collation c
WHERE c.collprovider IN ('c', 'i')
