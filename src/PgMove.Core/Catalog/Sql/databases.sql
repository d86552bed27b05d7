-- Every database of the server with what is needed to recreate it.
SELECT d.datname                                   AS name,
       d.datallowconn                              AS allows_connections,
       d.datistemplate                             AS is_template,
       pg_catalog.pg_encoding_to_char(d.encoding)  AS encoding,
       d.datcollate                                AS collate,
       d.datctype                                  AS ctype,
       pg_catalog.pg_get_userbyid(d.datdba)        AS owner,
       pg_catalog.pg_database_size(d.oid)          AS size_bytes
FROM pg_catalog.pg_database d
ORDER BY d.datname
