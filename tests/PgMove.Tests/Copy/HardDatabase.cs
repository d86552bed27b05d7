namespace PgMove.Tests.Copy;

/// <summary>
/// A database built to be hard to copy: every built-in type with its extreme values, enums, domains, composites,
/// generated and identity columns, partitions with a default one, inheritance, hostile identifiers, a table big
/// enough to be split, foreign keys and triggers that raise, materialized views, sequences and large objects.
/// </summary>
internal static class HardDatabase
{
    /// <summary>A database name with a space, quotes, a semicolon, an equals sign (libpq conninfo) and unicode.</summary>
    public const string Name = "Hård \"db\"; x=1";

    public const string OwnerRole = "app_owner";

    public const string HostileRole = "Ops \"Team\"; ü";

    /// <summary>Run in the postgres database, one by one: the roles, then the database owned by one of them.</summary>
    public static readonly string[] Create =
    [
        "CREATE ROLE app_owner LOGIN",
        "CREATE ROLE \"Ops \"\"Team\"\"; ü\" NOLOGIN",
        "CREATE DATABASE \"Hård \"\"db\"\"; x=1\" OWNER app_owner",
    ];

    /// <summary>Rows of public.big after its deletes.</summary>
    public const long BigRows = 25000 - 25000 / 97;

    /// <summary>Run in <see cref="Name"/>.</summary>
    public const string Fill = """"
        CREATE SCHEMA "Sales; Dept" AUTHORIZATION "Ops ""Team""; ü";
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s "complicated"');
        CREATE TYPE "Sales; Dept"."Status ""x""" AS ENUM ('new', 'done');
        CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
        CREATE TYPE address AS (street text, zip varchar(10), geo point);

        -- Every built-in type; all of them have a binary form whose bytes name no OID of the server's own.
        CREATE TABLE all_types (
            id bigint PRIMARY KEY,
            c_smallint smallint, c_int integer, c_bigint bigint,
            c_numeric numeric, c_numeric_big numeric(1000, 500), c_real real, c_double double precision,
            c_money money, c_text text, c_varchar varchar(50), c_char char(10), c_qchar "char", c_name name,
            c_bytea bytea, c_bool boolean,
            c_date date, c_time time, c_timetz timetz, c_ts timestamp, c_tstz timestamptz, c_interval interval,
            c_uuid uuid, c_inet inet, c_cidr cidr, c_macaddr macaddr, c_macaddr8 macaddr8,
            c_json json, c_jsonb jsonb, c_jsonpath jsonpath, c_xml xml,
            c_bit bit(12), c_varbit varbit(64), c_tsvector tsvector, c_tsquery tsquery,
            c_point point, c_line line, c_lseg lseg, c_box box, c_path path, c_polygon polygon, c_circle circle,
            c_int_arr int[], c_text_arr text[], c_int_2d int[][], c_text_3d text[][][],
            c_int4range int4range, c_tstzrange tstzrange, c_int4multirange int4multirange, c_nummultirange nummultirange,
            c_pg_lsn pg_lsn, c_oid oid, c_mood mood, c_positive positive_int
        );
        INSERT INTO all_types VALUES
        (1, -32768, -2147483648, -9223372036854775808,
         'NaN', ('-' || repeat('9', 500) || '.' || repeat('9', 500))::numeric, 'NaN', 'NaN',
         '-92233720368547758.08', E'tab\there\nnewline \\N backslash \\ end', '', 'ab', 'x', 'name with "quotes"',
         '\x', false,
         '-infinity', '00:00:00', '00:00:00+15:59', '-infinity', '-infinity', '-178000000 years',
         '00000000-0000-0000-0000-000000000000', '::1', '::/0', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00',
         '{"a":1,  "a":2, "b" : [ ] }', '{"deep": {"deeper": [1, 2.50, {"k": null}]}, "é": "\u00e9"}', '$.a[*] ? (@ > 1)', '<a b="c">text &amp; ü</a>',
         B'000000000000', B'', 'a:1A fat:2B,4C cat:5D', 'fat & (rat | !cat)',
         '(0,0)', '{1,-1,0}', '[(0,0),(1,1)]', '((0,0),(0,0))', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(2,0))', '<(0,0),0>',
         '{}', '{}', '{{1,2},{3,4}}', '{{{a,b},{c,d}},{{e,f},{g,h}}}',
         'empty', 'empty', '{}', '{}',
         '0/0', 0, 'sad', 1),
        (2, 32767, 2147483647, 9223372036854775807,
         'Infinity', (repeat('1', 500) || '.' || repeat('0', 499) || '1')::numeric, 'Infinity', 'Infinity',
         '92233720368547758.07', 'ünïcødé ☃ 𝄞 emoji 😀', repeat('v', 50), 'abcdefghij', E'\\', repeat('n', 63),
         '\x00ff00ff', true,
         'infinity', '24:00:00', '24:00:00-15:59', 'infinity', 'infinity', '178000000 years',
         'ffffffff-ffff-ffff-ffff-ffffffffffff', '255.255.255.255/32', '10.0.0.0/8', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff',
         '[1, "two", null, true, 3.14159265358979323846264338327950288]', '[1e1000, -0, 0.000000000000000000001]', 'strict $.x.y', 'fragment<x/>more',
         B'111111111111', B'1', '', 'a',
         '(1e308,-1e308)', '{0,1,0}', '[(-1.5,2.5),(3,4)]', '((1,1),(-1,-1))', '((0,0),(10,0),(10,10))', '((0,0),(10,0),(10,10),(0,10))', '<(1.5,-2.5),100>',
         '{1,NULL,3}', '{"a,b","c\"d","e\\f","{}","NULL",NULL,"",ü}', '{{1,NULL},{NULL,4}}', '{{{"x y"}}}',
         '[1,10)', '[-infinity,infinity]', '{[1,3),[5,8)}', '{(,0],[1.5,2.5],[10,)}',
         'FFFFFFFF/FFFFFFFF', 4294967295, 'it''s "complicated"', 2147483647),
        (3, 0, 0, 0,
         '-Infinity', ('0.' || repeat('0', 499) || '1')::numeric, '-Infinity', '-Infinity',
         '0', 'line1
        line2', 'trailing space ', 'a', '', '',
         '\x5c4e', NULL,
         '4713-01-01 BC', '23:59:59.999999', '12:34:56.789+01', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '1 mon -1 day 0.000001 sec',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '2001:db8::/32', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
         '"just a string"', '"just a string"', '$', '<!-- comment --><?pi x?><r/>',
         B'101010101010', B'0101010101010101010101010101010101010101010101010101010101010101', 'ab:1,2,3 ''quoted lexeme'':4', '''a b'' <-> c',
         '(NaN,Infinity)', '{1,2,3}', '[(0,0),(0,0)]', '((3,4),(1,2))', '[(1,2)]', '((1,2))', '<(0,0),1e-10>',
         '[0:2]={7,8,9}', '{"\\N",N,null}', '[-1:0][2:3]={{1,2},{3,4}}', '{}',
         '(,5]', '[2024-03-30 22:15:00.123456+00,2024-04-01 00:00:00+05:30)', '{[-2147483648,2147483647)}', '{[NaN,NaN]}',
         '16/B374D848', 16384, 'happy', 42),
        (4, -1, -1, -1,
         '1e-300', '-0.0', '-0', '-0',
         '-0.01', repeat('long text ', 10000), NULL, NULL, NULL, NULL,
         decode(repeat('deadbeef', 5000), 'hex'), true,
         '5874897-12-31', '12:00', '00:00:00-15:59', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '-2147483648 months -2147483648 days -9223372036854775807 usec',
         NULL, '0.0.0.0/0', '0.0.0.0/0', NULL, NULL,
         NULL, 'null', NULL, NULL,
         NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         '{NULL}', '{NULL}', NULL, NULL,
         NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL),
        (5, 1, 1, 1,
         '1.17549435e-38', '3.14159', 1.17549435e-38, 5e-324,
         '0.01', '\N', '\N', '\N', 'N', '\N',
         '\x5c4e', false,
         '2000-02-29', '00:00:00.000001', '00:00:00.000001+00', '2000-02-29 12:00:00', '2000-02-29 12:00:00+14', '0',
         'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', '::ffff:1.2.3.4', '::ffff:1.2.3.0/120', '08-00-2b-01-02-04', '0800.2b01.0203.0405',
         '{}', '{}', '$.**', '<?xml version="1.0"?><doc/>',
         B'000000000001', B'10', 'a b c', 'a:*',
         '(0,-0)', '{-1,0,5}', '[(0,0),(0,1)]', '((0,0),(0,0))', '((0,0))', '((0,0))', '<(0,0),0>',
         '{2147483647,-2147483648}', '{"",""}', '{{NULL}}', '{{{NULL}}}',
         '[5,5]', '(,)', '{[1,2),[2,3)}', '{}',
         '0/1', 1, 'ok', 100);
        INSERT INTO all_types (id, c_numeric, c_real, c_double, c_text, c_bytea, c_date, c_tstz, c_jsonb, c_int_arr, c_int4range, c_interval, c_money)
        SELECT g,
               (g::numeric * 1.23456789012345678901234567890) ^ 3,
               g / 7.0::real,
               g / 7.0::double precision,
               'row ' || g || E' \t ' || repeat('é', g % 20),
               decode(md5(g::text), 'hex'),
               date '2000-01-01' + g,
               timestamptz '2024-03-30 22:15:00+00' + g * interval '1 day 1 hour 7 min 0.123456 s',
               jsonb_build_object('g', g, 'f', g / 3.0, 'arr', jsonb_build_array(g, 'x', null, true)),
               ARRAY[g, g + 1, NULL],
               int4range(g, g + g % 10),
               make_interval(years => g % 3, months => g % 13, days => g, hours => g % 24, secs => g / 7.0),
               g * 1.25
        FROM generate_series(10, 400) g;
        -- A 5 MB value of incompressible bytes (TOASTed out of line, larger than any buffer of the copy).
        INSERT INTO all_types (id, c_bytea)
        SELECT 1000, string_agg(sha512(int4send(i)), ''::bytea ORDER BY i) FROM generate_series(1, 81920) i;

        -- Arrays of enums and composites name their element type's OID in binary form: these travel as text.
        CREATE TABLE enum_stuff (
            id int PRIMARY KEY,
            m mood,
            ms mood[],
            addr address,
            addrs address[],
            st "Sales; Dept"."Status ""x""",
            d positive_int,
            big_text text
        );
        INSERT INTO enum_stuff VALUES
            (1, 'sad', '{sad,ok,"it''s \"complicated\""}', ROW('Main St. 1, "A"', '12345', '(1,2)'), ARRAY[ROW('x', NULL, NULL)::address, NULL], 'new', 5, NULL),
            (2, NULL, '{}', NULL, '{}', NULL, NULL, repeat(E'tab\tnewline\nbackslash\\', 100000)),
            (3, 'happy', '{NULL,happy}', ROW(NULL, NULL, NULL), NULL, 'done', 1, '\N');
        INSERT INTO enum_stuff (id, m, ms, d)
        SELECT g, (enum_range(NULL::mood))[1 + g % 4], ARRAY[(enum_range(NULL::mood))[1 + g % 4], 'ok'::mood], g FROM generate_series(4, 200) g;

        -- Generated and identity columns, and a dropped column.
        CREATE TABLE generated_things (
            id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            junk text,
            n bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 1000 INCREMENT BY 7),
            price numeric(10, 2) NOT NULL,
            qty int NOT NULL,
            total numeric GENERATED ALWAYS AS (price * qty) STORED,
            label text GENERATED ALWAYS AS (upper(name_part) || '!') STORED,
            name_part text
        );
        ALTER TABLE generated_things DROP COLUMN junk;
        INSERT INTO generated_things (price, qty, name_part) SELECT g * 1.5, g, 'item ' || g FROM generate_series(1, 50) g;

        -- Range partitions, a sub-partitioned one and a default partition.
        CREATE TABLE measurements (id bigint NOT NULL, at date NOT NULL, v float8, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY HASH (id);
        CREATE TABLE measurements_2025_h0 PARTITION OF measurements_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
        CREATE TABLE measurements_2025_h1 PARTITION OF measurements_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
        CREATE TABLE measurements_default PARTITION OF measurements DEFAULT;
        INSERT INTO measurements SELECT g, date '2023-06-01' + g, g * 0.1 FROM generate_series(1, 1200) g;

        -- Inheritance: rows in the parent and in the child.
        CREATE TABLE animals (id int PRIMARY KEY, name text);
        CREATE TABLE dogs (breed text) INHERITS (animals);
        INSERT INTO animals SELECT g, 'animal ' || g FROM generate_series(1, 30) g;
        INSERT INTO dogs SELECT g, 'dog ' || g, 'breed ' || (g % 3) FROM generate_series(101, 120) g;

        -- Hostile identifiers.
        CREATE TABLE "Sales; Dept"."Order ""Items""; DROP TABLE x; --" (
            "select" int PRIMARY KEY,
            "Mixed Case Col" text,
            "ünï ☃" text,
            "from" date,
            "a""b" text,
            "status" "Sales; Dept"."Status ""x"""
        );
        INSERT INTO "Sales; Dept"."Order ""Items""; DROP TABLE x; --" SELECT g, 'M' || g, 'ü' || g, date '2020-01-01' + g, 'q"' || g, 'done' FROM generate_series(1, 25) g;
        CREATE TABLE public."select" ("table" int, "where" text, "user" text);
        INSERT INTO public."select" VALUES (1, 'where', 'user'), (2, NULL, 'current_user');
        CREATE TABLE "MixedCase" ("Id" int PRIMARY KEY, "Value" text);
        INSERT INTO "MixedCase" VALUES (1, 'one'), (2, 'two');
        CREATE TABLE "zürich ☃ table" ("größe" numeric, "日本語" text);
        INSERT INTO "zürich ☃ table" VALUES (1.5, '東京'), (NULL, NULL);
        CREATE TABLE long_name_63_bytes_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (
            column_name_also_63_bytes_long_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy int
        );
        CREATE TABLE "üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü!" ("üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü!" text);
        INSERT INTO "üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü!" VALUES ('ü');
        INSERT INTO long_name_63_bytes_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx SELECT generate_series(1, 10);
        CREATE TABLE no_columns ();
        INSERT INTO no_columns DEFAULT VALUES;
        INSERT INTO no_columns DEFAULT VALUES;
        CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v bytea);
        INSERT INTO cache SELECT 'k' || g, '\xdeadbeef' FROM generate_series(1, 20) g;
        CREATE TABLE secrets (id int PRIMARY KEY, owner name);
        ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
        ALTER TABLE secrets FORCE ROW LEVEL SECURITY;
        CREATE POLICY only_mine ON secrets USING (owner = current_user);
        INSERT INTO secrets VALUES (1, 'nobody'), (2, 'someone else');

        -- Big enough to be split in many block ranges; some rows deleted and updated so pages have holes.
        CREATE TABLE big (id bigint PRIMARY KEY, payload text, n numeric, at timestamptz);
        INSERT INTO big SELECT g, md5(g::text) || repeat('x', 60), g * 1.5, timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute'
        FROM generate_series(1, 25000) g;
        DELETE FROM big WHERE id % 97 = 0;
        UPDATE big SET payload = 'updated ' || id WHERE id % 89 = 0;
        ALTER TABLE big OWNER TO app_owner;
        -- The same on the text path.
        CREATE TABLE big_enums (id int PRIMARY KEY, ms mood[], note text);
        INSERT INTO big_enums SELECT g, ARRAY['ok'::mood, (enum_range(NULL::mood))[1 + g % 4]], repeat('n', 40) FROM generate_series(1, 8000) g;

        -- Foreign keys and triggers: loaded before they exist, so neither order nor a trigger that raises matters.
        CREATE TABLE parents (id int PRIMARY KEY, name text);
        CREATE TABLE children (
            id int PRIMARY KEY,
            parent_id int NOT NULL REFERENCES parents (id),
            previous int REFERENCES children (id) DEFERRABLE,
            note text CHECK (note <> 'forbidden')
        );
        INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 10) g;
        INSERT INTO children SELECT g, 1 + g % 10, NULLIF(g - 1, 0), repeat('c', 100) FROM generate_series(1, 2000) g;
        CREATE INDEX children_parent ON children (parent_id);
        CREATE UNIQUE INDEX children_note_partial ON children (id, note) WHERE id < 100;
        CREATE INDEX big_expr ON big ((lower(payload)));
        ALTER TABLE children ADD CONSTRAINT children_id_positive CHECK (id > 0) NOT VALID;
        CREATE FUNCTION explode() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'trigger % fired on %', TG_NAME, TG_TABLE_NAME;
        END
        $$;
        CREATE TRIGGER children_explode BEFORE INSERT OR UPDATE OR DELETE ON children FOR EACH ROW EXECUTE FUNCTION explode();
        CREATE TRIGGER parents_explode BEFORE INSERT ON parents FOR EACH ROW EXECUTE FUNCTION explode();
        ALTER TABLE parents ENABLE ALWAYS TRIGGER parents_explode;
        CREATE TRIGGER big_explode AFTER INSERT ON big FOR EACH STATEMENT EXECUTE FUNCTION explode();

        -- Materialized views: populated, depending on another one, and one never populated.
        CREATE MATERIALIZED VIEW big_summary AS SELECT id % 10 AS bucket, count(*) AS n FROM big GROUP BY 1;
        CREATE UNIQUE INDEX big_summary_bucket ON big_summary (bucket);
        CREATE MATERIALIZED VIEW "Sales; Dept"."Summary ""of"" summary" AS SELECT sum(n) AS total FROM big_summary;
        CREATE MATERIALIZED VIEW never_populated AS SELECT 1 AS x WITH NO DATA;

        -- Sequences at specific values.
        CREATE SEQUENCE "Sales; Dept"."Seq ""odd""" INCREMENT BY 5;
        SELECT setval('"Sales; Dept"."Seq ""odd"""', 987654321, true);
        CREATE SEQUENCE not_called;
        SELECT setval('not_called', 42, false);
        CREATE SEQUENCE untouched;

        -- Large objects: one spanning several chunks, one empty.
        SELECT lo_from_bytea(424242, (SELECT string_agg(sha512(int4send(i)), ''::bytea ORDER BY i) FROM generate_series(1, 40000) i));
        SELECT lo_create(424243);
        """";
}
