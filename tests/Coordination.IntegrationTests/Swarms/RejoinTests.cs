using System.Net;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>
/// Issue 12, identity: an agent gets a fresh token for its own id by joining again with a valid code (before,
/// 409 <c>already_exists</c>, or <c>quota_exceeded</c> in a full swarm). The old token is revoked, the member is not
/// counted twice, and the role never rises above what the code grants.
/// </summary>
public sealed class RejoinTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task A_first_join_answers_201_with_the_members_location_and_a_rejoin_200_with_a_fresh_token_that_revokes_the_old()
    {
        var swarm = await App.CreateSwarmAsync();
        string first;
        using (var join = await Join(swarm.JoinCode, swarm, "worker", "returner", capabilities: ["build"]))
        {
            first = (string)(await SwarmApi.EnsureAsync(join, HttpStatusCode.Created))["token"]!;
            Assert.Equal($"/api/swarms/{swarm.SwarmId}/agents/returner", join.Headers.Location?.OriginalString);
        }
        var tokenIdBefore = await TokenIdAsync(swarm, "returner");

        string second;
        using (var rejoin = await Join(swarm.JoinCode, swarm, "worker", "returner"))
        {
            var credentials = await SwarmApi.EnsureAsync(rejoin, HttpStatusCode.OK);
            second = (string)credentials["token"]!;
            Assert.Equal("returner", (string?)credentials["agentId"]);
            Assert.Equal("worker", (string?)credentials["role"]);
        }

        Assert.NotEqual(first, second);
        Assert.NotEqual(tokenIdBefore, await TokenIdAsync(swarm, "returner"));
        using (var old = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}", first))
        {
            await SwarmApi.EnsureProblemAsync(old, HttpStatusCode.Unauthorized, "unauthorized");
        }
        _ = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", second);
        Assert.Equal(2, await App.MemberCountAsync(swarm));
        var member = (await App.MembersAsync(swarm)).Single(m => (string?)m["agentId"] == "returner");
        Assert.Equal(["build"], member["capabilities"]!.AsArray().Select(c => (string)c!));
        var rejoined = Assert.Single(await App.ReadAllEventsAsync(swarm, type: "agent.rejoined"));
        Assert.Equal("returner", (string?)rejoined["subject"]);
        Assert.Single(await App.ReadAllEventsAsync(swarm, type: "agent.joined"), e => (string?)e["subject"] == "returner");
    }

    [Fact]
    public async Task Rejoining_works_in_a_full_swarm_and_counts_the_member_once()
    {
        var swarm = await App.CreateSwarmAsync(maxAgents: 2);
        _ = await App.JoinAsync(swarm, "only-worker");
        using (var newcomer = await Join(swarm.JoinCode, swarm, "worker", "newcomer"))
        {
            await SwarmApi.EnsureProblemAsync(newcomer, HttpStatusCode.Forbidden, "quota_exceeded");
        }

        for (var i = 0; i < 3; i++)
        {
            using var rejoin = await Join(swarm.JoinCode, swarm, "worker", "only-worker");
            await SwarmApi.EnsureAsync(rejoin, HttpStatusCode.OK);
        }
        Assert.Equal(2, await App.MemberCountAsync(swarm));
        using (var stillFull = await Join(swarm.JoinCode, swarm, "observer", "newcomer"))
        {
            await SwarmApi.EnsureProblemAsync(stillFull, HttpStatusCode.Forbidden, "quota_exceeded");
        }
    }

    [Fact]
    public async Task A_rejoin_cannot_rise_above_what_the_code_grants_and_a_refused_rejoin_writes_nothing()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "climber");
        var before = await App.PartitionSnapshotAsync(swarm);

        // The join code grants worker or observer: neither a worker's promotion nor taking over a coordinator's id.
        foreach (var (agentId, role) in new[] { ("climber", "coordinator"), ("coordinator", "worker"), ("coordinator", "observer") })
        {
            using var response = await Join(swarm.JoinCode, swarm, role, agentId);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "forbidden_role");
            Assert.Contains("coordinator code", (string?)problem["detail"], StringComparison.Ordinal);
        }
        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        _ = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", worker);
        _ = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", swarm.CoordinatorToken);

        // The coordinator code grants coordinator: a rejoin with it may promote.
        using (var promote = await Join(await App.CoordinatorCodeAsync(swarm), swarm, "coordinator", "climber"))
        {
            Assert.Equal("coordinator", (string?)(await SwarmApi.EnsureAsync(promote, HttpStatusCode.OK))["role"]);
        }
        Assert.Equal(2, (await App.RowsAsync($"PartitionKey eq '{swarm.SwarmId}' and RowKey eq '{SwarmRows.MembersKey}'")).Single().GetInt32("Coordinators"));
    }

    [Fact]
    public async Task Rejoining_the_last_coordinator_as_a_worker_answers_last_coordinator()
    {
        var swarm = await App.CreateSwarmAsync();
        var code = await App.CoordinatorCodeAsync(swarm);
        var before = await App.PartitionSnapshotAsync(swarm);

        using (var demote = await Join(code, swarm, "worker", "coordinator"))
        {
            await SwarmApi.EnsureProblemAsync(demote, HttpStatusCode.Conflict, "last_coordinator");
        }
        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));

        // With a second coordinator the first may step down to worker; the counts follow.
        _ = await App.JoinAsync(swarm, "deputy", role: "coordinator");
        using (var stepDown = await Join(code, swarm, "worker", "coordinator"))
        {
            Assert.Equal("worker", (string?)(await SwarmApi.EnsureAsync(stepDown, HttpStatusCode.OK))["role"]);
        }
        var counts = (await App.RowsAsync($"PartitionKey eq '{swarm.SwarmId}' and RowKey eq '{SwarmRows.MembersKey}'")).Single();
        Assert.Equal((2, 1), (counts.GetInt32("Count"), counts.GetInt32("Coordinators")));
    }

    private Task<HttpResponseMessage> Join(string code, TestSwarm swarm, string role, string agentId, string[]? capabilities = null) =>
        App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = code, swarmId = swarm.SwarmId, role, agentId, capabilities });

    private async Task<string> TokenIdAsync(TestSwarm swarm, string agentId) =>
        (await App.RowsAsync($"PartitionKey eq '{swarm.SwarmId}' and AgentId eq '{agentId}'")).Single().GetString("TokenId");
}
