using System.Reflection;

namespace PgMove.Server.Panel;

/// <summary>The web control panel: static files embedded in the assembly, calling the public API with the token.</summary>
internal static class PanelEndpoints
{
    private static readonly Assembly Assembly = typeof(PanelEndpoints).Assembly;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => File("index.html")).ExcludeFromDescription();
        app.MapGet("/clusters/{uuid}", (string uuid) => File("index.html")).ExcludeFromDescription();
        app.MapGet("/ui/{file}", (string file) => File(file)).ExcludeFromDescription();
    }

    private static IResult File(string name)
    {
        var stream = name.Contains('/', StringComparison.Ordinal) ? null : Assembly.GetManifestResourceStream("panel/" + name);
        if (stream is null)
            return Results.NotFound();
        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, type);
    }
}
