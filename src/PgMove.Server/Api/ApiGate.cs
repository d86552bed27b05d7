using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PgMove.Server.Configuration;
using PgMove.Server.Operations;

namespace PgMove.Server.Api;

/// <summary>
/// In front of /v2 and /api: a request id, the rate-limit headers (429 over the limit) and the bearer token
/// (401 <c>{"id":"unauthorized","message":"Unable to authenticate you."}</c>).
/// </summary>
internal sealed class ApiGate(RequestDelegate next, ServiceSettings settings, RateLimiter limiter, ILogger<ApiGate> logger)
{
    private readonly byte[][] _tokens = settings.Tokens.Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t))).ToArray();

    public static bool Guards(PathString path) => path.StartsWithSegments("/v2") || path.StartsWithSegments("/api");

    public async Task InvokeAsync(HttpContext context)
    {
        context.TraceIdentifier = Guid.NewGuid().ToString();
        context.Response.Headers["x-request-id"] = context.TraceIdentifier;
        if (!Guards(context.Request.Path))
        {
            await next(context);
            return;
        }

        var token = BearerToken(context.Request);
        var hash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var valid = hash is not null && _tokens.Any(t => CryptographicOperations.FixedTimeEquals(t, hash));
        var client = valid ? "token:" + Convert.ToHexString(hash!) : "addr:" + context.Connection.RemoteIpAddress;
        var (remaining, reset) = limiter.Take(client);
        var headers = context.Response.Headers;
        headers["ratelimit-limit"] = limiter.Limit.ToString(CultureInfo.InvariantCulture);
        headers["ratelimit-remaining"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        headers["ratelimit-reset"] = reset.ToString(CultureInfo.InvariantCulture);

        if (remaining < 0)
        {
            await ApiProblem.TooManyRequests().ToResult(context).ExecuteAsync(context);
            return;
        }
        if (!valid)
        {
            ServiceLog.Unauthorized(logger, context.TraceIdentifier, context.Request.Method, context.Request.Path);
            await ApiProblem.Unauthorized().ToResult(context).ExecuteAsync(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (ApiProblem problem) when (!context.Response.HasStarted)
        {
            await problem.ToResult(context).ExecuteAsync(context);
        }
        catch (Exception error) when (error is System.Text.Json.JsonException or BadHttpRequestException && !context.Response.HasStarted)
        {
            await ApiProblem.Unprocessable("The request body is not valid JSON of the expected shape.").ToResult(context).ExecuteAsync(context);
        }
        catch (Exception error) when (error is not OperationCanceledException && !context.Response.HasStarted)
        {
            ServiceLog.RequestFailed(logger, context.TraceIdentifier, error.Message);
            await ApiProblem.ServerError().ToResult(context).ExecuteAsync(context);
        }
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length ? header[scheme.Length..].Trim() : null;
    }
}
