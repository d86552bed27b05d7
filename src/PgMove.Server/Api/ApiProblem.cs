namespace PgMove.Server.Api;

/// <summary>A request the API refuses with a status and DigitalOcean's error body.</summary>
public sealed class ApiProblem(int status, string id, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Id { get; } = id;

    public static ApiProblem NotFound(string message) => new(StatusCodes.Status404NotFound, "not_found", message);

    public static ApiProblem Unprocessable(string message) => new(StatusCodes.Status422UnprocessableEntity, "unprocessable_entity", message);

    public static ApiProblem Conflict(string message) => new(StatusCodes.Status409Conflict, "conflict", message);

    public static ApiProblem TooManyRequests() => new(StatusCodes.Status429TooManyRequests, "too_many_requests", "API Rate limit exceeded.");

    public static ApiProblem Unauthorized() => new(StatusCodes.Status401Unauthorized, "unauthorized", "Unable to authenticate you.");

    public static ApiProblem ServerError() => new(StatusCodes.Status500InternalServerError, "server_error", "Unexpected server-side error.");

    public IResult ToResult(HttpContext context) =>
        ApiJson.Result(new ApiError(Id, Message, context.TraceIdentifier), ApiJson.Default.ApiError, Status);
}
