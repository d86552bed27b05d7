using PgMove.Core.Connections;

namespace PgMove.Core.Preflight.Checks;

/// <summary>Both connections encrypted, unless the user disabled TLS on purpose.</summary>
internal sealed class TlsCheck : IPreflightCheck
{
    public string Id => "connection.tls";

    public CheckNeeds Needs => CheckNeeds.None;

    public Task<IReadOnlyList<CheckResult>> RunAsync(PreflightContext context, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        if (context.Source is not null)
            results.Add(Judge("source", context.Options.Source, context.SourceTls));
        if (context.Target is not null)
            results.Add(Judge("target", context.Options.Target, context.TargetTls));
        return Task.FromResult<IReadOnlyList<CheckResult>>(results);
    }

    private CheckResult Judge(string role, ConnectionSpec spec, string? tls) => tls is not null
        ? CheckResult.Pass(Id, $"The {role} connection is encrypted ({tls}, sslmode={TlsModeNames.ToLibpq(spec.SslMode)}).")
        : CheckResult.Warn(Id, $"The {role} connection is not encrypted (sslmode={TlsModeNames.ToLibpq(spec.SslMode)}): passwords and data cross the network in clear.",
            $"Enable ssl on the {role} server and remove sslmode=disable from the connection string (in an API request, set \"disable_ssl\": false), unless the network is trusted.");
}
