using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>A tenant and its app of its own: two tenants, so one's key meets the other's swarms.</summary>
public sealed class TenantAppFixture : AppFixture
{
    /// <summary>The second tenant's key (tenant id "other").</summary>
    public const string OtherTenantKey = "ck_other_tenant_key_0123456789";

    /// <inheritdoc />
    protected override IDictionary<string, string> Settings => new Dictionary<string, string> { ["Coordination:Tenants:other:Keys"] = OtherTenantKey };
}

/// <summary>
/// Issue 12, identity: a tenant key lists and reads its own swarms and mints a coordinator token for them, so a lost
/// coordinator token can be recovered (before, a tenant key could only create swarms). Another tenant's key finds nothing.
/// </summary>
public sealed class TenantAccessTests(TenantAppFixture fixture) : IClassFixture<TenantAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task A_tenant_key_lists_its_swarms_a_page_at_a_time_with_their_codes_and_never_another_tenants()
    {
        var mine = new List<CreatedSwarm>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add(await App.CreateDistinctSwarmAsync(tenantKey: TenantAppFixture.OtherTenantKey));
        }
        var notMine = await App.CreateSwarmAsync();

        var listed = new List<JsonObject>();
        string? cursor = null;
        for (var page = 0; page < 10; page++)
        {
            var body = await App.GetJsonAsync("api/swarms?limit=2" + (cursor is null ? string.Empty : $"&cursor={cursor}"), TenantAppFixture.OtherTenantKey);
            var items = body["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
            Assert.True(body.ContainsKey("nextCursor"));
            cursor = (string?)body["nextCursor"];
            Assert.Equal(cursor is not null, (bool)body["hasMore"]!);
            Assert.True(items.Count <= 2);
            listed.AddRange(items);
            if (cursor is null)
            {
                break;
            }
        }

        Assert.Equal(mine.Select(s => s.Id).Order(StringComparer.Ordinal), listed.Select(s => (string)s["swarmId"]!));
        Assert.DoesNotContain(notMine.SwarmId, listed.Select(s => (string)s["swarmId"]!));
        var first = listed.Single(s => (string?)s["swarmId"] == mine[0].Id);
        Assert.Equal(mine[0].Name, (string?)first["name"]);
        Assert.Equal(mine[0].Swarm.JoinCode, (string?)first["joinCode"]);
        Assert.NotNull((string?)first["coordinatorCode"]);
        Assert.Equal(1, (int)first["memberCount"]!);
    }

    [Fact]
    public async Task A_bad_cursor_or_limit_answers_validation_failed_naming_the_parameter()
    {
        foreach (var (query, field) in new[] { ("cursor=not-a-cursor", "cursor"), ("limit=0", "limit"), ("limit=101", "limit") })
        {
            using var response = await App.SendAsync(HttpMethod.Get, "api/swarms?" + query, RunningApp.TenantKey);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Equal(field, (string?)problem["field"]);
        }
    }

    [Fact]
    public async Task The_owning_tenant_key_reads_a_swarm_with_its_codes_and_another_tenants_key_gets_404()
    {
        var swarm = await App.CreateSwarmAsync();

        var read = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", RunningApp.TenantKey);
        Assert.Equal(swarm.SwarmId, (string?)read["swarmId"]);
        Assert.Equal(swarm.JoinCode, (string?)read["joinCode"]);
        Assert.Equal(await App.CoordinatorCodeAsync(swarm), (string?)read["coordinatorCode"]);

        foreach (var path in new[] { $"api/swarms/{swarm.SwarmId}", "api/swarms/swarm_doesnotexist00000000" })
        {
            using var response = await App.SendAsync(HttpMethod.Get, path, TenantAppFixture.OtherTenantKey);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.NotFound, "not_found");
            Assert.DoesNotContain(swarm.JoinCode, problem.ToJsonString(), StringComparison.Ordinal);
        }

        // A tenant key reads the swarm, not its members' data: other member routes still want an agent token.
        using var members = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/members", RunningApp.TenantKey);
        await SwarmApi.EnsureProblemAsync(members, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_tenant_key_recovers_a_lost_coordinator_by_minting_a_token_for_its_id_which_revokes_the_lost_one()
    {
        var created = await App.CreateDistinctSwarmAsync(maxAgents: 2);
        var swarm = created.Swarm;
        _ = await App.JoinAsync(swarm, "worker-1");

        // The swarm is full, and the coordinator's own id is refreshed: not counted again.
        string fresh;
        using (var mint = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/coordinator-token", RunningApp.TenantKey, new { agentId = created.CoordinatorId }))
        {
            var credentials = await SwarmApi.EnsureAsync(mint, HttpStatusCode.OK);
            Assert.Equal("coordinator", (string?)credentials["role"]);
            Assert.Equal(created.CoordinatorId, (string?)credentials["agentId"]);
            fresh = (string)credentials["token"]!;
        }
        using (var lost = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureProblemAsync(lost, HttpStatusCode.Unauthorized, "unauthorized");
        }
        using (var remove = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/worker-1", fresh))
        {
            await SwarmApi.EnsureAsync(remove, HttpStatusCode.NoContent);
        }

        // A new id joins as a coordinator (201, counted); another tenant's key finds nothing.
        using (var mint = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/coordinator-token", RunningApp.TenantKey, new { agentId = "rescuer" }))
        {
            var credentials = await SwarmApi.EnsureAsync(mint, HttpStatusCode.Created);
            Assert.Equal($"/api/swarms/{swarm.SwarmId}/agents/rescuer", mint.Headers.Location?.OriginalString);
            Assert.Equal("coordinator", (string?)credentials["role"]);
        }
        var before = await App.PartitionSnapshotAsync(swarm with { CoordinatorToken = fresh });
        using (var foreign = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/coordinator-token", TenantAppFixture.OtherTenantKey, new { agentId = "hijacker" }))
        {
            await SwarmApi.EnsureProblemAsync(foreign, HttpStatusCode.NotFound, "not_found");
        }
        using (var agent = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/coordinator-token", fresh, new { agentId = "hijacker" }))
        {
            await SwarmApi.EnsureProblemAsync(agent, HttpStatusCode.Unauthorized, "unauthorized");
        }
        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm with { CoordinatorToken = fresh }));
        var events = await App.ReadAllEventsAsync(swarm with { CoordinatorToken = fresh });
        var rejoined = Assert.Single(events, e => (string?)e["type"] == "agent.rejoined");
        Assert.Equal("tenant:test", (string?)rejoined["actor"]);
    }
}
