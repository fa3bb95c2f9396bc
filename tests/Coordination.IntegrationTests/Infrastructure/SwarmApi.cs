using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>A created swarm as tests use it.</summary>
/// <param name="SwarmId">Id.</param>
/// <param name="JoinCode">Join code.</param>
/// <param name="CoordinatorToken">The creator's token.</param>
public sealed record TestSwarm(string SwarmId, string JoinCode, string CoordinatorToken);

/// <summary>Short calls to the real API for test set-up; each asserts its own success.</summary>
public static class SwarmApi
{
    /// <summary>Creates a swarm with the test tenant key.</summary>
    public static async Task<TestSwarm> CreateSwarmAsync(this RunningApp app, int maxAgents = 20, string name = "test swarm")
    {
        using var client = app.ClientFor(RunningApp.TenantKey);
        using var response = await client.PostAsJsonAsync("api/swarms", new { name, goal = "testing", maxAgents });
        var body = await EnsureAsync(response, HttpStatusCode.Created);
        return new TestSwarm((string)body["swarmId"]!, (string)body["joinCode"]!, (string)body["token"]!);
    }

    /// <summary>Joins as a new member (201) and returns the agent token; a coordinator joins with the coordinator code.</summary>
    public static async Task<string> JoinAsync(this RunningApp app, TestSwarm swarm, string agentId, string role = "worker")
    {
        var code = role == "coordinator" ? await app.CoordinatorCodeAsync(swarm) : swarm.JoinCode;
        using var response = await app.Client.PostAsJsonAsync("api/swarms/join", new { joinCode = code, swarmId = swarm.SwarmId, role, agentId });
        var body = await EnsureAsync(response, HttpStatusCode.Created);
        return (string)body["token"]!;
    }

    /// <summary>The swarm's coordinator code, as its coordinator reads it.</summary>
    public static async Task<string> CoordinatorCodeAsync(this RunningApp app, TestSwarm swarm)
    {
        using var client = app.ClientFor(swarm.CoordinatorToken);
        using var response = await client.GetAsync($"api/swarms/{swarm.SwarmId}");
        return (string)(await EnsureAsync(response, HttpStatusCode.OK))["coordinatorCode"]!;
    }

    /// <summary>Reads every event of the swarm (paging with the cursor while more are waiting).</summary>
    public static async Task<List<JsonObject>> ReadAllEventsAsync(this RunningApp app, TestSwarm swarm, string? type = null)
    {
        using var client = app.ClientFor(swarm.CoordinatorToken);
        var events = new List<JsonObject>();
        var cursor = "0";
        for (var page = 0; page < 1000; page++)
        {
            var url = $"api/swarms/{swarm.SwarmId}/events?cursor={cursor}&limit=1000" + (type is null ? string.Empty : $"&type={type}");
            var body = JsonNode.Parse(await client.GetStringAsync(url))!;
            events.AddRange(body["items"]!.AsArray().Select(e => e!.AsObject()));
            if (!(bool)body["hasMore"]!)
            {
                return events;
            }
            cursor = (string)body["nextCursor"]!;
        }
        throw new InvalidOperationException("More than 1000 pages of events.");
    }

    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonObject> EnsureAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts a problem response with the status and code, and returns it.</summary>
    public static async Task<JsonObject> EnsureProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(code, (string?)problem["code"]);
        return problem;
    }
}
