using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Contract;

/// <summary>
/// Calls the running app as any client would and keeps every answer (method, path, status, media type, body), for
/// validation against the OpenAPI document the same app serves.
/// </summary>
public sealed class ResponseRecorder(RunningApp app)
{
    private readonly List<JsonObject> _records = [];

    /// <summary>The answers so far, in the validator's input shape.</summary>
    public JsonArray Records => new(_records.Select(r => (JsonNode)r.DeepClone()).ToArray());

    /// <summary>Sends a request (a JSON body when <paramref name="body"/> is given) and records the answer; returns the body.</summary>
    public async Task<JsonNode?> CallAsync(HttpMethod method, string path, string? bearer, object? body = null, int? expect = null)
    {
        using var client = bearer is null ? new HttpClient { BaseAddress = app.BaseAddress } : app.ClientFor(bearer);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is string raw ? new StringContent(raw, Encoding.UTF8, "application/json") : System.Net.Http.Json.JsonContent.Create(body);
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        JsonNode? parsed = null;
        if (mediaType == "text/event-stream")
        {
            // A stream never ends by itself: its status and media type are what the document can describe.
        }
        else
        {
            var text = await response.Content.ReadAsStringAsync();
            parsed = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        _records.Add(new JsonObject
        {
            ["method"] = method.Method, ["path"] = "/" + path.TrimStart('/'), ["status"] = (int)response.StatusCode,
            ["contentType"] = mediaType, ["body"] = parsed?.DeepClone(),
        });
        if (expect is { } status)
        {
            Assert.True((int)response.StatusCode == status, $"{method} {path}: expected {status}, got {(int)response.StatusCode}: {parsed?.ToJsonString()}");
        }
        return parsed;
    }

    /// <summary>GET.</summary>
    public Task<JsonNode?> GetAsync(string path, string? bearer, int? expect = 200) => CallAsync(HttpMethod.Get, path, bearer, null, expect);

    /// <summary>POST with a JSON body.</summary>
    public Task<JsonNode?> PostAsync(string path, string? bearer, object? body, int? expect = null) => CallAsync(HttpMethod.Post, path, bearer, body ?? new { }, expect);
}
