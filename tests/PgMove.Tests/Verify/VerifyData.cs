namespace PgMove.Tests.Verify;

/// <summary>The same script run on both sides: types whose text output depends on settings or on the major, awkward names, partitions.</summary>
internal static class VerifyData
{
    /// <summary>Tables <see cref="Fill"/> creates that hold rows, as schema.name: partitioned parents are not among them.</summary>
    public static readonly string[] Tables =
    [
        "public.items", "public.events", "public.ledger", "public.notes", "public.cache", "public.no_columns",
        "public.Mixed Case", "public.quote\"d 'name'", "public.zürich ☃", "public.measurements_2024", "public.measurements_2025",
        "Sales Dept.orders",
    ];

    /// <summary>
    /// 100 rows in each keyed table (keys 1..100), so that a chunk size of 10 gives ten chunks.
    /// Values come from literals and exact arithmetic only: numeric ^ differs between majors (16 changed its result scale),
    /// which would make the data itself differ.
    /// </summary>
    public const string Fill = """
        CREATE TABLE items (
            id integer PRIMARY KEY,
            price numeric(12,4),
            big numeric,
            at timestamptz,
            day date,
            span interval,
            ratio float8,
            small float4,
            doc jsonb,
            raw bytea,
            tags text[],
            matrix int[][],
            label text,
            flag boolean,
            uid uuid
        );
        INSERT INTO items
        SELECT g,
               g * 1.2345,
               CASE WHEN g % 10 = 0 THEN 'NaN'::numeric ELSE '1e30'::numeric + g END,
               timestamptz '2024-03-30 22:15:00+00' + g * interval '1 day 1 hour 7 min 0.123456 s',
               date '2000-02-28' + g,
               make_interval(years => g % 3, months => g % 13, days => g, hours => g % 24, secs => g / 7.0),
               CASE g % 25 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN 'Infinity' WHEN 2 THEN '-0' WHEN 3 THEN 1e-300 ELSE g / 7.0::float8 END,
               g / 3.0::float4,
               jsonb_build_object('n', g, 'f', g / 3.0, 'nested', jsonb_build_array(g, 'x', null, true), 'text', 'é "quoted"'),
               decode(md5(g::text), 'hex') || '\x00ff'::bytea,
               ARRAY['a' || g, NULL, 'with space', 'quote"d', ''],
               ARRAY[[g, g + 1], [NULL, 0]],
               CASE WHEN g % 7 = 0 THEN NULL WHEN g % 11 = 0 THEN '' ELSE 'ünïcødé ' || g || E'\n(tab\t)' END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE g % 2 = 0 END,
               md5(g::text)::uuid
        FROM generate_series(1, 100) g;

        CREATE TABLE events (id bigint PRIMARY KEY, happened timestamp, payload json);
        INSERT INTO events SELECT g * 1000000000000, timestamp '1999-12-31 23:59:59.999999' + g * interval '1 month', json_build_object('g', g)
        FROM generate_series(1, 100) g;

        CREATE TABLE ledger (id smallint PRIMARY KEY, amount money, note varchar(20));
        INSERT INTO ledger SELECT g, g * 100.25, 'n' || g FROM generate_series(1, 100) g;

        CREATE TABLE notes (body text, at timetz, range int4range);
        INSERT INTO notes SELECT repeat('x', g), time with time zone '10:00:00+02' + g * interval '1 min', int4range(g, g + 10)
        FROM generate_series(1, 50) g;
        INSERT INTO notes VALUES (NULL, NULL, NULL), (NULL, NULL, NULL);

        CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v bytea);
        INSERT INTO cache SELECT 'k' || g, '\xdeadbeef' FROM generate_series(1, 20) g;

        CREATE TABLE no_columns ();
        INSERT INTO no_columns DEFAULT VALUES;
        INSERT INTO no_columns DEFAULT VALUES;

        CREATE TABLE "Mixed Case" ("Id" int PRIMARY KEY, "Value Column" text);
        INSERT INTO "Mixed Case" SELECT g, 'v' || g FROM generate_series(1, 5) g;

        CREATE TABLE "quote""d 'name'" ("col""quote" text);
        INSERT INTO "quote""d 'name'" VALUES ('a'), ('b');

        CREATE TABLE "zürich ☃" (id int PRIMARY KEY, "größe" numeric);
        INSERT INTO "zürich ☃" VALUES (1, 1.5), (2, NULL);

        CREATE TABLE measurements (id int, at date NOT NULL, value float8) PARTITION BY RANGE (at);
        CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO measurements SELECT g, date '2024-06-01' + g * 3, g * 0.1 FROM generate_series(1, 150) g;

        CREATE SCHEMA "Sales Dept";
        CREATE TABLE "Sales Dept".orders (id bigint PRIMARY KEY, customer text, total numeric(10,2));
        INSERT INTO "Sales Dept".orders SELECT g, 'c' || (g % 7), g * 9.99 FROM generate_series(1, 30) g;
        """;
}
