using PgMove.Core.Schema;

namespace PgMove.Tests.Copy;

/// <summary>Picking a table's post-data entries out of pg_restore's list, and cutting its script into one piece per entry.</summary>
public sealed class PostDataScriptTests
{
    [Fact]
    public void Parse_ListLines_KeepsIndexesConstraintsAndStatisticsOnly()
    {
        Assert.Equal(new RestoreListEntry("3212; 2606 16391 CONSTRAINT public a a_pkey postgres", 2606, 16391, "CONSTRAINT"),
            RestoreListEntry.Parse("3212; 2606 16391 CONSTRAINT public a a_pkey postgres"));
        Assert.Equal("INDEX", RestoreListEntry.Parse("3213; 1259 16394 INDEX public a_v postgres")!.Type);
        Assert.Equal("STATISTICS", RestoreListEntry.Parse("3226; 3381 16395 STATISTICS public a_st postgres")!.Type);
        Assert.Null(RestoreListEntry.Parse("3224; 0 0 INDEX ATTACH public p1_k_idx postgres"));
        Assert.Null(RestoreListEntry.Parse("3227; 2606 16401 FK CONSTRAINT public b b_a_id_fkey postgres"));
        Assert.Null(RestoreListEntry.Parse("3210; 2606 16418 CHECK CONSTRAINT public b b_chk postgres"));
        Assert.Null(RestoreListEntry.Parse("214; 1259 16384 TABLE public a postgres"));
        Assert.Null(RestoreListEntry.Parse(";3213; 1259 16394 INDEX public a_v postgres"));
    }

    [Fact]
    public void Split_Script_OnePiecePerEntryWithTheTablespaceInForceAndNoMetaCommands()
    {
        const string script = """
            --
            -- PostgreSQL database dump
            --

            \restrict abc

            SET statement_timeout = 0;
            SET client_encoding = 'UTF8';
            SELECT pg_catalog.set_config('search_path', '', false);

            SET default_tablespace = '';

            --
            -- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: -
            --

            ALTER TABLE ONLY public.a
                ADD CONSTRAINT a_pkey PRIMARY KEY (id);


            SET default_tablespace = fast;

            --
            -- Name: a_v; Type: INDEX; Schema: public; Owner: -
            --

            CREATE INDEX a_v ON public.a USING btree (lower(v));
            ALTER INDEX public.a_v ALTER COLUMN 1 SET STATISTICS 500;


            --
            -- Name: b_w; Type: INDEX; Schema: public; Owner: -
            --

            CREATE INDEX b_w ON public.b USING btree (w);


            --
            -- PostgreSQL database dump complete
            --

            \unrestrict abc

            """;
        var (settings, entries) = PostDataScript.Split(script);
        Assert.Equal("SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n", settings);
        Assert.Equal(new[] { ("CONSTRAINT", "a a_pkey"), ("INDEX", "a_v"), ("INDEX", "b_w") }, entries.Select(e => (e.Type, e.Name)));
        Assert.StartsWith("SET default_tablespace = '';\nALTER TABLE ONLY public.a\n", entries[0].Sql, StringComparison.Ordinal);
        Assert.Equal("SET default_tablespace = fast;\nCREATE INDEX a_v ON public.a USING btree (lower(v));\nALTER INDEX public.a_v ALTER COLUMN 1 SET STATISTICS 500;\n", entries[1].Sql);
        Assert.Equal("SET default_tablespace = fast;\nCREATE INDEX b_w ON public.b USING btree (w);\n", entries[2].Sql);
        Assert.DoesNotContain(entries, e => e.Sql.Contains('\\', StringComparison.Ordinal));
    }
}
