using System.Net;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>Create swarm answers what a client needs next at the top level: the swarm's id and join code, and the coordinator's token.</summary>
public sealed class CreateSwarmShapeTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Create_swarm_answers_swarm_id_and_join_code_at_the_top_level_with_the_coordinator_credentials()
    {
        using var response = await App.SendAsync(HttpMethod.Post, "api/swarms", RunningApp.TenantKey, new { name = "shape", coordinatorId = "lead" });
        var body = await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);

        var swarmId = (string)body["swarmId"]!;
        Assert.StartsWith("swarm_", swarmId);
        Assert.Equal($"/api/swarms/{swarmId}", response.Headers.Location?.OriginalString);
        Assert.Matches("^[0-9A-Z]{4}-[0-9A-Z]{4}$", (string)body["joinCode"]!);
        Assert.Equal(("lead", "coordinator"), ((string)body["agentId"]!, (string)body["role"]!));
        Assert.StartsWith("ct_", (string)body["token"]!);
        Assert.True((DateTimeOffset)body["expiresAt"]! > DateTimeOffset.UtcNow);
        Assert.Equal(swarmId, (string)body["swarm"]!["swarmId"]!);
        Assert.False(body.ContainsKey("coordinator"));

        var view = await App.GetJsonAsync($"api/swarms/{swarmId}", (string)body["token"]!);
        Assert.Equal("shape", (string)view["name"]!);
    }
}
