using System.Diagnostics;
using System.Text.Json;
using Coordination.Core.Configuration;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Microsoft.AspNetCore.Mvc;

namespace Coordination.Functions.Http;

/// <summary>
/// The one error mapping: every failure leaves as RFC 9457 problem+json with a stable <c>code</c>, and
/// nothing unexpected leaks internals (500 carries only a trace id).
/// </summary>
public static partial class ProblemHandling
{
    /// <summary>JSON options for request binding and responses: camelCase, unknown members refused.</summary>
    public static IServiceCollection AddProblemHandling(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o => JsonDefaults.Apply(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Longest path and query the API takes, in characters. Kestrel's own request-line limit is raised above it (64 KiB), so
    /// a longer URL reaches this check and gets a problem body instead of Kestrel's bare 414.
    /// </summary>
    public const int MaxUrlLength = 8192;

    /// <summary>Adds the exception mapping and the problem bodies for unmatched routes and methods.</summary>
    public static WebApplication UseProblemHandling(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length > MaxUrlLength)
            {
                await Problems.Result(ProblemCatalog.UriTooLong, $"The URL is {context.Request.Path.Value!.Length + context.Request.QueryString.Value!.Length} characters; the limit is {MaxUrlLength}.",
                    context, new Dictionary<string, object?> { ["limit"] = MaxUrlLength }).ExecuteAsync(context);
                return;
            }
            if (DotSegment(context) is { } segment)
            {
                await Problems.Result(ProblemCatalog.ValidationFailed,
                    $"The URL path has a '{segment}' segment; ids and keys cannot be '.' and '..', which URLs treat as path navigation.",
                    context, new Dictionary<string, object?> { ["field"] = "path" }).ExecuteAsync(context);
                return;
            }
            if (context.Request.HasJsonContentType())
            {
                // Kept so a contract error can be told apart from a syntax error later in the body (see SyntaxErrorAsync).
                context.Request.EnableBuffering();
            }
            try
            {
                await next(context);
            }
            catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                await AnswerAsync(context, exception, app.Logger);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is nobody to answer.
            }
        });
        app.UseStatusCodePages(statusContext => StatusProblemAsync(statusContext.HttpContext));
        return app;
    }

    /// <summary>Answers a failed request with the problem its exception maps to (logged when it is a server fault).</summary>
    private static async Task AnswerAsync(HttpContext context, Exception exception, ILogger logger)
    {
        var bodyType = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
        var (type, detail, extensions) = exception is BadHttpRequestException { StatusCode: 413 or 415 } body ? StatusProblem(context, body.StatusCode)!.Value : Map(exception, bodyType);
        if (type == ProblemCatalog.ValidationFailed && exception is BadHttpRequestException { InnerException: JsonException }
            && await SyntaxErrorAsync(context.Request) is { } syntax)
        {
            (type, detail, extensions) = JsonProblem(syntax, bodyType);
        }
        if (type.Status >= 500)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {Code}", context.Request.Method, context.Request.Path, type.Code);
        }
        // Clear() drops the headers too: Retry-After goes on the cleared response.
        context.Response.Clear();
        if (exception is StorageThrottledException throttled)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(throttled.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await Problems.Result(type, detail, context, extensions).ExecuteAsync(context);
    }

    /// <summary>A problem body for what the framework answers by status alone (no route, wrong method, body limits).</summary>
    private static async Task StatusProblemAsync(HttpContext context)
    {
        if (StatusProblem(context, context.Response.StatusCode) is { } problem)
        {
            await Problems.Result(problem.Type, problem.Detail, context, problem.Extensions).ExecuteAsync(context);
        }
    }

    /// <summary>
    /// A <c>.</c> or <c>..</c> segment (also percent-encoded) in the path as sent. Kestrel removes them before routing,
    /// so without this check <c>PUT …/state/..</c> would silently address another route.
    /// </summary>
    private static string? DotSegment(HttpContext context)
    {
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (target is null || !target.Contains('.', StringComparison.Ordinal) && !target.Contains("%2", StringComparison.Ordinal))
        {
            return null;
        }
        var path = target.Split('?', 2)[0];
        return path.Split('/').Select(Uri.UnescapeDataString).FirstOrDefault(s => s is "." or "..");
    }

    /// <summary>What a bare status means for this request, with the real reason: the route, the method, the size limit, the content type.</summary>
    private static (ProblemType Type, string Detail, IReadOnlyDictionary<string, object?>? Extensions)? StatusProblem(HttpContext context, int status)
    {
        var request = context.Request;
        switch (status)
        {
            case 404:
                return (ProblemCatalog.NotFound, $"No endpoint matches {request.Method} {request.Path}.", null);
            case 405:
                return (ProblemCatalog.MethodNotAllowed, $"{request.Method} is not supported on {request.Path}.", null);
            case 413:
                var limit = context.RequestServices.GetRequiredService<CoordinationSettings>().MaxRequestBodyBytes;
                var sent = request.ContentLength is { } length ? $"is {length} bytes" : "is larger than that";
                return (ProblemCatalog.PayloadTooLarge, $"The request body {sent}; the limit is {limit} bytes.", new Dictionary<string, object?> { ["limit"] = limit });
            case 415:
                var contentType = string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type '{request.ContentType}'";
                return (ProblemCatalog.UnsupportedMediaType, $"The request body must be JSON (Content-Type: application/json); this request sent {contentType}.", null);
            default:
                return null;
        }
    }

    internal static (ProblemType Type, string Detail, IReadOnlyDictionary<string, object?>? Extensions) Map(Exception exception, Type? bodyType = null) => exception switch
    {
        ProblemException p => (p.Type, p.Message, p.Extensions),
        BadHttpRequestException { StatusCode: 413 } => (ProblemCatalog.PayloadTooLarge, "The request body is larger than the limit.", null),
        BadHttpRequestException { StatusCode: 415 } => (ProblemCatalog.UnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).", null),
        BadHttpRequestException { InnerException: JsonException json } => JsonProblem(json, bodyType),
        BadHttpRequestException b => (ProblemCatalog.ValidationFailed, DescribeBindingFailure(b.Message), null),
        JsonException json => JsonProblem(json, bodyType),
        TableKeyTooLongException key => (ProblemCatalog.KeyTooLong, key.Message, null),
        StorageThrottledException => (ProblemCatalog.StorageThrottled, "Storage is throttling requests; retry after the indicated delay.", null),
        StorageUnavailableException => (ProblemCatalog.StorageUnavailable, "Storage could not be reached, or kept failing, after retries.", null),
        StorageRejectedException refused => (ProblemCatalog.StorageRejected, $"Storage refused the request ({refused.Status} {refused.ErrorCode}).",
            new Dictionary<string, object?> { ["storageStatus"] = refused.Status, ["storageErrorCode"] = refused.ErrorCode }),
        _ => (ProblemCatalog.InternalError, $"Unexpected error; trace id {Activity.Current?.TraceId.ToString() ?? "n/a"}.", null),
    };

    /// <summary>
    /// ASP.NET's binding messages name .NET parameter types ("Failed to bind parameter \"int? limit\" from \"abc\"");
    /// clients get the parameter name and the bad value only.
    /// </summary>
    internal static string DescribeBindingFailure(string message)
    {
        if (BindFailure().Match(message) is { Success: true } bind)
        {
            return $"Query or route parameter '{bind.Groups["name"].Value}' has an invalid value '{bind.Groups["value"].Value}'.";
        }
        if (message.Contains("from body", StringComparison.Ordinal) || message.Contains("request body", StringComparison.OrdinalIgnoreCase))
        {
            return "A JSON request body is required.";
        }
        if (RequiredParameter().Match(message) is { Success: true } required)
        {
            return $"Parameter '{required.Groups["name"].Value}' is required.";
        }
        return "The request could not be read.";
    }

    [System.Text.RegularExpressions.GeneratedRegex("""Failed to bind parameter "(?:[^"]*\s)?(?<name>[^"\s]+)" from "(?<value>[^"]*)".""")]
    private static partial System.Text.RegularExpressions.Regex BindFailure();

    [System.Text.RegularExpressions.GeneratedRegex("""Required parameter "(?:[^"]*\s)?(?<name>[^"\s]+)" was not provided""")]
    private static partial System.Text.RegularExpressions.Regex RequiredParameter();

    /// <summary>
    /// The deserializer stops at the first problem it meets, so <c>{"unknown": }</c> or <c>{"name":"x"} trailing</c>
    /// surface as contract errors although the body is not JSON at all. Re-reading the buffered body with the
    /// plain reader finds the syntax error, which is the one the client must fix first.
    /// </summary>
    private static async Task<JsonException?> SyntaxErrorAsync(HttpRequest request)
    {
        if (!request.Body.CanSeek)
        {
            return null;
        }
        request.Body.Position = 0;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return FindSyntaxError(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static JsonException? FindSyntaxError(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            body = body[3..]; // the deserializer accepts a UTF-8 byte order mark; the bare reader does not
        }
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException syntax)
        {
            return syntax;
        }
    }

    /// <summary>Malformed JSON vs. well-formed JSON that does not fit the contract, with the JSON path.</summary>
    private static (ProblemType, string, IReadOnlyDictionary<string, object?>?) JsonProblem(JsonException json, Type? bodyType)
    {
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : string.Empty;
        // Tokenizer failures are System.Text.Json's internal JsonReaderException: wrapped by the deserializer,
        // bare from Utf8JsonReader (SyntaxErrorAsync). Contract mismatches are neither; nesting too deep is a limit, not a typo.
        var syntax = json.GetType().Name == "JsonReaderException" || json.InnerException?.GetType().Name == "JsonReaderException";
        if (syntax && !JsonContractErrors.IsTooDeep(json))
        {
            return (ProblemCatalog.MalformedJson, $"The body is not valid JSON at {path}{where}.", new Dictionary<string, object?> { ["path"] = path });
        }
        var error = JsonContractErrors.Describe(json, bodyType);
        var extensions = new Dictionary<string, object?>(error.Extensions) { ["path"] = error.Path };
        if (FieldOf(error.Path) is { } field)
        {
            // The same naming as every other validation problem (tasks[6].priority), beside the JSON path.
            extensions["field"] = field;
        }
        return (ProblemCatalog.ValidationFailed, $"{error.Detail} at {error.Path}.", extensions);
    }

    /// <summary>A JSON path as a field name ("$.tasks[6].priority" → "tasks[6].priority"); null for the body itself.</summary>
    internal static string? FieldOf(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
}

/// <summary>Renders catalogued problems.</summary>
public static class Problems
{
    /// <summary>A problem result for <paramref name="type"/>.</summary>
    public static IResult Result(ProblemType type, string detail, HttpContext? context = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Type = "https://coordinationfunctions.dev/problems/" + type.Code.Replace('_', '-'),
            Title = type.Title,
            Status = type.Status,
            Detail = detail,
            Instance = context?.Request.Path.Value,
        };
        problem.Extensions["code"] = type.Code;
        if (type == ProblemCatalog.Unauthorized && context is not null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        if (context is not null && extensions is not null && extensions.TryGetValue("retryAfterSeconds", out var retryAfter) && retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = Convert.ToString(retryAfter, System.Globalization.CultureInfo.InvariantCulture);
        }
        problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context?.TraceIdentifier;
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }
        return TypedResults.Problem(problem);
    }
}
