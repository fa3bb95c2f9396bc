using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>Short task calls for tests; each asserts its own status.</summary>
internal static class TaskApi
{
    public static async Task<JsonObject> CreateTaskAsync(this HttpClient client, TestSwarm swarm, object task, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks", task);
        return await SwarmApi.EnsureAsync(response, expected);
    }

    public static async Task<List<JsonObject>> ClaimAsync(this HttpClient client, TestSwarm swarm, object? request = null)
    {
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", request ?? new { });
        return (await SwarmApi.EnsureAsync(response, HttpStatusCode.OK))["items"]!.AsArray().Select(t => t!.AsObject()).ToList();
    }

    public static async Task<HttpResponseMessage> ActAsync(this HttpClient client, TestSwarm swarm, JsonObject task, string action, object? body = null) =>
        await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/{action}", body ?? new { leaseId = (string?)task["leaseId"] });

    public static async Task<JsonObject> GetTaskAsync(this HttpClient client, TestSwarm swarm, string taskId) =>
        JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/{taskId}"))!.AsObject();
}
