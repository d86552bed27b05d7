using PgMove.Core.Schema.Roles;

namespace PgMove.Tests.Cutover;

/// <summary>A role setting's stored text turned back into the value of ALTER ROLE … SET.</summary>
public sealed class RoleSettingValueTests
{
    [Theory]
    [InlineData("\"$user\", public", new[] { "$user", "public" })]
    [InlineData("\"a \"\"quoted\"\" one\", b", new[] { "a \"quoted\" one", "b" })]
    [InlineData("\"\"", new[] { "" })]
    [InlineData("", new[] { "" })]
    [InlineData("\" padded \" ,x", new[] { " padded ", "x" })]
    public void SplitList_StoredListSetting_GivesTheElements(string stored, string[] expected) =>
        Assert.Equal(expected, RoleSettingValue.SplitList(stored));

    [Theory]
    [InlineData("work_mem", "16MB", "'16MB'")]
    [InlineData("application_name", "it's", "'it''s'")]
    [InlineData("search_path", "\"$user\", \"odd schema\", public", "'$user', 'odd schema', 'public'")]
    [InlineData("search_path", "\"\"", "''")]
    public void ToSql_StoredValue_GivesTheValueToSet(string name, string stored, string expected) =>
        Assert.Equal(expected, RoleSettingValue.ToSql(name, stored));
}
