using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Client;
using Coordination.Core.Common;
using ModelContextProtocol.Protocol;

namespace Coordination.Mcp;

/// <summary>
/// The one shape of every tool answer: compact JSON text in the API's wire format (camelCase, nulls left out), and for a
/// failure <c>isError: true</c> with the problem's <c>code</c>, <c>status</c> and <c>detail</c>, so an agent branches
/// on the same codes the HTTP API documents.
/// </summary>
public static class ToolResults
{
    /// <summary>
    /// The wire format with only the escaping JSON requires: the text is read by a model, not put in a web page, and
    /// the default encoder would show it <c>\u0027</c> for every apostrophe and <c>\u002B</c> for every plus.
    /// </summary>
    private static readonly JsonSerializerOptions TextOptions = new(WireJson.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A successful result: <paramref name="value"/> as compact JSON.</summary>
    /// <param name="value">Any contract record, list or anonymous object.</param>
    public static CallToolResult Json(object? value) => new()
    {
        Content = [new TextContentBlock { Text = ToJson(value) }],
    };

    /// <summary><paramref name="value"/> as compact JSON text in the wire format.</summary>
    /// <param name="value">The value.</param>
    public static string ToJson(object? value) =>
        value is null ? "null" : JsonSerializer.Serialize(value, value.GetType(), TextOptions);

    /// <summary>A failed result carrying a problem.</summary>
    /// <param name="code">The stable problem code, e.g. <c>forbidden_role</c>.</param>
    /// <param name="status">The HTTP status the API answers (or would answer) with.</param>
    /// <param name="detail">What went wrong, for the agent to act on.</param>
    /// <param name="extensions">The problem's other members (e.g. <c>errors</c>, <c>currentVersion</c>).</param>
    public static CallToolResult Problem(string code, int status, string? detail, IReadOnlyDictionary<string, JsonElement>? extensions = null) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = ProblemJson(code, status, detail, extensions) }],
    };

    /// <summary>A problem as the JSON text tool errors and resource errors carry.</summary>
    /// <param name="code">The stable problem code.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="detail">What went wrong.</param>
    /// <param name="extensions">The problem's other members.</param>
    public static string ProblemJson(string code, int status, string? detail, IReadOnlyDictionary<string, JsonElement>? extensions = null)
    {
        var problem = new JsonObject { ["code"] = code, ["status"] = status };
        if (detail is not null)
        {
            problem["detail"] = detail;
        }
        foreach (var (name, value) in extensions ?? new Dictionary<string, JsonElement>())
        {
            problem[name] ??= JsonSerializer.SerializeToNode(value);
        }
        return problem.ToJsonString(TextOptions);
    }

    /// <summary>A request the tool refuses before calling the API, with the API's own code for it.</summary>
    /// <param name="field">The argument at fault.</param>
    /// <param name="detail">Why.</param>
    public static CallToolResult Invalid(string field, string detail) =>
        Problem("validation_failed", 400, $"{field}: {detail}");

    /// <summary>
    /// Any failure as a tool result: the API's problem as it answered it; arguments the tool could not bind as
    /// <c>validation_failed</c>; a server that could not be reached as <c>unavailable</c>; anything else as
    /// <c>internal_error</c>, without internals.
    /// </summary>
    /// <param name="exception">What the tool threw.</param>
    public static CallToolResult FromException(Exception exception) => exception switch
    {
        CoordinationProblemException problem => Problem(problem.Code, (int)problem.Status, problem.Detail ?? problem.Title, problem.Extensions),
        MissingSwarmException missing => Problem("unauthorized", (int)HttpStatusCode.Unauthorized, missing.Message),
        ArgumentException or JsonException or FormatException => Problem("validation_failed", (int)HttpStatusCode.BadRequest, exception.Message),
        HttpRequestException or TaskCanceledException or TimeoutException =>
            Problem("unavailable", (int)HttpStatusCode.ServiceUnavailable, "The coordination API could not be reached: " + exception.Message),
        _ => Problem("internal_error", (int)HttpStatusCode.InternalServerError, "The tool failed unexpectedly."),
    };
}

/// <summary>A swarm tool was called by a session that is in no swarm (a tenant key, or no credential yet).</summary>
/// <param name="message">What to do instead.</param>
public sealed class MissingSwarmException(string message) : Exception(message);
