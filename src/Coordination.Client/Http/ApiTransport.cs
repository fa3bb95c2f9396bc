using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Coordination.Core.Common;

namespace Coordination.Client.Http;

/// <summary>
/// Sends one API call: the bearer credential, the JSON body, the Idempotency-Key, and the answer read as the contract
/// type or thrown as a <see cref="CoordinationProblemException"/>. Every feature client goes through it.
/// </summary>
internal sealed class ApiTransport(HttpClient http, string? token, string? swarmId)
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    public HttpClient Http { get; } = http;

    public string? Token { get; } = token;

    public string? SwarmId { get; } = swarmId;

    /// <summary>The path of the current swarm's API, or an explanation of how to set one.</summary>
    public string SwarmPath(string? swarmId = null)
    {
        var id = swarmId ?? SwarmId ?? throw new InvalidOperationException(
            "This call needs a swarm: set CoordinationClientOptions.SwarmId, or call WithCredentials with the token and swarm id a create or join returned.");
        return "api/swarms/" + Uri.EscapeDataString(id);
    }

    /// <summary>Sends the call and reads the answer as <typeparamref name="T"/>.</summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct, string? idempotencyKey = null)
    {
        using var response = await SendCoreAsync(method, path, body, idempotencyKey, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(WireJson.Options, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode} with an empty body.");
    }

    /// <summary>Sends a call whose answer has no body (204).</summary>
    public async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await SendCoreAsync(method, path, body, null, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
    }

    /// <summary>Sends the call and returns the answer once its headers arrive (streams); the caller disposes it.</summary>
    public Task<HttpResponseMessage> OpenAsync(string path, IReadOnlyDictionary<string, string> headers, CancellationToken ct) =>
        SendCoreAsync(HttpMethod.Get, path, null, null, HttpCompletionOption.ResponseHeadersRead, ct, headers);

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, string path, object? body, string? idempotencyKey,
        HttpCompletionOption completion, CancellationToken ct, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (body is not null)
        {
            // Bytes rather than a stream: a retry sends the same content again.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), WireJson.Options));
            request.Content.Headers.ContentType = JsonMediaType;
        }
        var response = await Http.SendAsync(request, completion, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            throw await ProblemOf(response, ct).ConfigureAwait(false);
        }
    }

    private static async Task<CoordinationProblemException> ProblemOf(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var extensions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        string? code = null, title = null, detail = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "code": code = member.Value.GetString(); break;
                    case "title": title = member.Value.GetString(); break;
                    case "detail": detail = member.Value.GetString(); break;
                    case "type" or "status" or "instance": break;
                    default: extensions[member.Name] = member.Value.Clone(); break;
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's error page): keep the status and the start of the text.
            detail = text.Length > 200 ? text[..200] : text;
        }
        return new CoordinationProblemException(response.StatusCode, code ?? CodeOf(response.StatusCode), title ?? response.ReasonPhrase, detail, extensions);
    }

    /// <summary>A code for an answer that carried none (it did not come from the API itself).</summary>
    private static string CodeOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => "not_found",
        HttpStatusCode.Unauthorized => "unauthorized",
        HttpStatusCode.TooManyRequests => "throttled",
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => "unavailable",
        _ => "http_" + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Builds <c>path?name=value&amp;…</c>, leaving out parameters without a value.</summary>
    public static string WithQuery(string path, params (string Name, object? Value)[] parameters)
    {
        var builder = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            var text = value switch
            {
                null => null,
                bool b => b ? "true" : "false",
                DateTimeOffset time => time.UtcDateTime.ToString(UtcTimeConverter.Format, System.Globalization.CultureInfo.InvariantCulture),
                IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            if (text is null)
            {
                continue;
            }
            builder.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(text));
            separator = '&';
        }
        return builder.ToString();
    }

    /// <summary>One escaped path segment.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);
}
