using System.Net.Http.Json;
using System.Text.Json;
using Coordination.Client.Http;
using Coordination.Core.Common;

namespace Coordination.Client.Service;

/// <summary>The service itself: health and the OpenAPI document (no credential needed).</summary>
public sealed class ServiceClient
{
    private readonly ApiTransport _api;

    internal ServiceClient(ApiTransport api) => _api = api;

    /// <summary>Storage reachability; an unhealthy service answers 503 with the same report, which is returned too.</summary>
    /// <param name="ct">Cancels the call.</param>
    public async Task<HealthReport> HealthAsync(CancellationToken ct = default)
    {
        using var response = await _api.Http.GetAsync("api/health", ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<HealthReport>(WireJson.Options, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"GET api/health answered {(int)response.StatusCode} without a report.");
    }

    /// <summary>The OpenAPI 3.1 document of the API.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<JsonDocument> GetOpenApiAsync(CancellationToken ct = default) =>
        _api.SendAsync<JsonDocument>(HttpMethod.Get, "api/openapi.json", null, ct);
}
