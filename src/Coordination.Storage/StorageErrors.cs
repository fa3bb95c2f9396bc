using System.Text.Json;
using System.Xml.Linq;
using Azure;
using Azure.Core;

namespace Coordination.Storage;

/// <summary>One mapping from a storage response status to an outcome or an exception.</summary>
internal static class StorageErrors
{
    public static WriteResult ToWriteResult(Response response, params ReadOnlySpan<StorageOutcome> expected)
    {
        if (response.Status is >= 200 and < 300)
        {
            return new WriteResult(StorageOutcome.Succeeded, response.Headers.ETag ?? default);
        }
        var outcome = OutcomeOf(response.Status);
        if (outcome is StorageOutcome.PreconditionFailed or StorageOutcome.AlreadyExists)
        {
            StorageCallCounter.RecordConflict();
        }
        if (outcome is { } o && expected.Contains(o))
        {
            return new WriteResult(o, default, ReadErrorCode(response));
        }
        throw ToException(response);
    }

    public static StorageOutcome? OutcomeOf(int status) => status switch
    {
        404 => StorageOutcome.NotFound,
        409 => StorageOutcome.AlreadyExists,
        412 => StorageOutcome.PreconditionFailed,
        _ => null,
    };

    public static RequestFailedException ToException(Response response)
    {
        var (code, message) = ReadError(response);
        var text = $"Storage request failed with {response.Status} {response.ReasonPhrase}: {code ?? "no error code"}. {message}".Trim();
        return response.Status is 429 or 503
            ? new StorageThrottledException(response.Status, code, text, RetryAfterOf(response))
            : new RequestFailedException(response.Status, text, code, null);
    }

    private static TimeSpan? RetryAfterOf(Response response) =>
        response.Headers.TryGetValue("Retry-After", out var value) && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 60))
            : null;

    public static string? ReadErrorCode(Response response) => ReadError(response).Code;

    public static (string? Code, string? Message) ReadError(Response response)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var headerCode);
        var body = response.Content?.ToString();
        if (string.IsNullOrWhiteSpace(body))
        {
            return (headerCode, null);
        }
        return TryParseError(body) is { } parsed ? (parsed.Code ?? headerCode, parsed.Message) : (headerCode, null);
    }

    /// <summary>Parses a Table (odata JSON) or Queue (XML) error body.</summary>
    public static (string? Code, string? Message)? TryParseError(string body)
    {
        body = body.Trim();
        try
        {
            if (body.StartsWith('{'))
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("odata.error", out var error))
                {
                    var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    var message = error.TryGetProperty("message", out var m)
                        ? (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.GetString())
                        : null;
                    return (code, message);
                }
            }
            else if (body.StartsWith('<'))
            {
                var error = XDocument.Parse(body).Root;
                return (error?.Element("Code")?.Value, error?.Element("Message")?.Value);
            }
        }
        catch (Exception e) when (e is JsonException or System.Xml.XmlException)
        {
            // Not a storage error body: report the status alone.
        }
        return null;
    }
}
