using System.Globalization;
using System.Text;
using PgMove.Core.Connections;

namespace PgMove.Core.Preflight.Checks;

/// <summary>A libpq conninfo string for a subscription on the target pointing at the source.</summary>
internal static class SubscriptionConninfo
{
    public static string For(ConnectionSpec source, string database)
    {
        var text = new StringBuilder();
        void Add(string key, string value) => text.Append(key).Append('=').Append(Conninfo.Quote(value)).Append(' ');
        Add("host", source.Host);
        Add("port", source.Port.ToString(CultureInfo.InvariantCulture));
        Add("dbname", database);
        Add("user", source.Username);
        if (source.Password is not null)
            Add("password", source.Password);
        Add("sslmode", TlsModeNames.ToLibpq(source.SslMode));
        Add("connect_timeout", "10");
        Add("application_name", "pgmove");
        return text.ToString().TrimEnd();
    }
}
