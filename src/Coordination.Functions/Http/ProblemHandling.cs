using System.Diagnostics;
using System.Text.Json;
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

    /// <summary>Adds the exception mapping and the problem bodies for unmatched routes and methods.</summary>
    public static WebApplication UseProblemHandling(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
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
        var (type, detail, extensions) = Map(exception);
        if (type == ProblemCatalog.ValidationFailed && exception is BadHttpRequestException { InnerException: JsonException }
            && await SyntaxErrorAsync(context.Request) is { } syntax)
        {
            (type, detail, extensions) = JsonProblem(syntax);
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
        var type = context.Response.StatusCode switch
        {
            404 => ProblemCatalog.NotFound,
            405 => ProblemCatalog.MethodNotAllowed,
            413 => ProblemCatalog.PayloadTooLarge,
            415 => ProblemCatalog.UnsupportedMediaType,
            _ => null,
        };
        if (type is not null)
        {
            var detail = type == ProblemCatalog.NotFound
                ? $"No endpoint matches {context.Request.Method} {context.Request.Path}."
                : $"{context.Request.Method} is not supported on {context.Request.Path}.";
            await Problems.Result(type, detail, context).ExecuteAsync(context);
        }
    }

    internal static (ProblemType Type, string Detail, IReadOnlyDictionary<string, object?>? Extensions) Map(Exception exception) => exception switch
    {
        ProblemException p => (p.Type, p.Message, p.Extensions),
        BadHttpRequestException { StatusCode: 413 } => (ProblemCatalog.PayloadTooLarge, "The request body exceeds the configured limit.", null),
        BadHttpRequestException { StatusCode: 415 } b => (ProblemCatalog.UnsupportedMediaType, b.Message, null),
        BadHttpRequestException { InnerException: JsonException json } => JsonProblem(json),
        BadHttpRequestException b => (ProblemCatalog.ValidationFailed, DescribeBindingFailure(b.Message), null),
        JsonException json => JsonProblem(json),
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
    private static (ProblemType, string, IReadOnlyDictionary<string, object?>?) JsonProblem(JsonException json)
    {
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : string.Empty;
        // Tokenizer failures are System.Text.Json's internal JsonReaderException: wrapped by the deserializer,
        // bare from Utf8JsonReader (SyntaxErrorAsync). Contract mismatches are neither.
        var syntax = json.GetType().Name == "JsonReaderException" || json.InnerException?.GetType().Name == "JsonReaderException";
        var extensions = new Dictionary<string, object?> { ["path"] = path };
        return syntax
            ? (ProblemCatalog.MalformedJson, $"The body is not valid JSON at {path}{where}.", extensions)
            : (ProblemCatalog.ValidationFailed, $"{JsonDefaults.Describe(json)} at {path}.", extensions);
    }
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
