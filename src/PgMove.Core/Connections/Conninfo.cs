namespace PgMove.Core.Connections;

/// <summary>Quoting for libpq conninfo strings (<c>key='value'</c>, with <c>\</c> and <c>'</c> escaped).</summary>
public static class Conninfo
{
    public static string Quote(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>A conninfo naming only the database: a database name with '=' in it is then never taken for a conninfo.</summary>
    public static string ForDatabase(string database) => "dbname=" + Quote(database);
}
