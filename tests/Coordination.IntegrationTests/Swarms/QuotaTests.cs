using System.Net;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>
/// The quota app: tenant "test" with a 1 KiB payload limit and at most 50 agents per swarm, and tenant
/// "small" that may have 2 swarms.
/// </summary>
public sealed class QuotaAppFixture : AppFixture
{
    public const string SmallTenantKey = "ck_small_tenant_key_0123456789";

    protected override IDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Coordination:Tenants:test:MaxPayloadBytes"] = "1024",
        ["Coordination:Tenants:test:MaxAgentsPerSwarm"] = "50",
        ["Coordination:Tenants:small:Keys"] = SmallTenantKey,
        ["Coordination:Tenants:small:MaxSwarms"] = "2",
    };
}

/// <summary>Each quota answers a clear problem and writes nothing.</summary>
public sealed class QuotaTests(QuotaAppFixture fixture) : IClassFixture<QuotaAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Join_beyond_maxAgents_answers_quota_exceeded_and_writes_nothing()
    {
        var swarm = await App.CreateSwarmAsync(maxAgents: 3);
        _ = await App.JoinAsync(swarm, "second");
        _ = await App.JoinAsync(swarm, "third", role: "observer");
        var coordinatorCode = await App.CoordinatorCodeAsync(swarm);
        var before = await App.PartitionSnapshotAsync(swarm);

        foreach (var (role, code) in new[] { ("worker", swarm.JoinCode), ("observer", swarm.JoinCode), ("coordinator", coordinatorCode) })
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
                new { joinCode = code, swarmId = swarm.SwarmId, role, agentId = "fourth" });
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "quota_exceeded");
            Assert.Equal(3, (int?)problem["limit"]);
        }

        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal(3, await App.MemberCountAsync(swarm));
        Assert.Equal(["coordinator", "second", "third"], await App.MemberIdsAsync(swarm));
        Assert.DoesNotContain(await App.ReadAllEventsAsync(swarm, type: "agent.joined"), e => (string?)e["subject"] == "fourth");
    }

    [Fact]
    public async Task Concurrent_joins_never_exceed_maxAgents()
    {
        var swarm = await App.CreateSwarmAsync(maxAgents: 6);
        using var start = new SemaphoreSlim(0);
        var joins = Enumerable.Range(0, 12).Select(async i =>
        {
            await start.WaitAsync();
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
                new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, role = "worker", agentId = $"racer-{i:D2}" });
            var text = await response.Content.ReadAsStringAsync();
            return (Id: $"racer-{i:D2}", Status: (int)response.StatusCode, Text: text);
        }).ToList();
        start.Release(12);
        var results = await Task.WhenAll(joins);

        var admitted = results.Where(r => r.Status == 201).Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(5, admitted.Count);
        Assert.All(results.Where(r => r.Status != 201), r =>
        {
            Assert.Equal(403, r.Status);
            Assert.Contains("\"code\":\"quota_exceeded\"", r.Text, StringComparison.Ordinal);
        });

        Assert.Equal(6, await App.MemberCountAsync(swarm));
        Assert.Equal(["coordinator", .. admitted], await App.MemberIdsAsync(swarm));
        var joined = (await App.ReadAllEventsAsync(swarm, type: "agent.joined")).Select(e => (string)e["subject"]!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["coordinator", .. admitted], joined);
    }

    [Fact]
    public async Task Broadcast_data_over_the_payload_limit_answers_quota_exceeded_and_is_not_logged()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "chatty");
        var before = await App.PartitionSnapshotAsync(swarm);

        using (var big = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", worker, new { type = "big.news", data = new { text = new string('x', 1100) } }))
        {
            var problem = await SwarmApi.EnsureProblemAsync(big, HttpStatusCode.Forbidden, "quota_exceeded");
            Assert.Equal(1024, (int?)problem["limit"]);
            Assert.Equal("data", (string?)problem["field"]);
        }
        using (var metadata = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/heartbeat", worker, new { status = "busy", metadata = new { blob = new string('y', 1100) } }))
        {
            await SwarmApi.EnsureProblemAsync(metadata, HttpStatusCode.Forbidden, "quota_exceeded");
        }
        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.DoesNotContain("big.news", await App.EventTypesAsync(swarm));

        // Just under the limit is accepted.
        using var small = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", worker, new { type = "small.news", data = new { text = new string('x', 1000) } });
        await SwarmApi.EnsureAsync(small, HttpStatusCode.Accepted);
        Assert.Single(await App.ReadAllEventsAsync(swarm, type: "small.news"));
    }

    [Fact]
    public async Task MaxAgents_above_the_tenant_limit_answers_validation_failed_naming_maxAgents()
    {
        var before = await App.TenantSnapshotAsync("test");
        using (var response = await App.SendAsync(HttpMethod.Post, "api/swarms", RunningApp.TenantKey, new { name = "too big", maxAgents = 51 }))
        {
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Equal("maxAgents", (string?)problem["field"]);
            Assert.Equal(50, (int?)problem["max"]);
            Assert.Contains("maxAgents", (string?)problem["detail"], StringComparison.Ordinal);
        }
        Assert.Equal(before, await App.TenantSnapshotAsync("test"));

        var atLimit = await App.CreateSwarmAsync(maxAgents: 50);
        Assert.Equal(50, (int)(await App.GetJsonAsync($"api/swarms/{atLimit.SwarmId}", atLimit.CoordinatorToken))["maxAgents"]!);
    }

    [Fact]
    public async Task Tenant_can_create_exactly_MaxSwarms_and_again_after_deleting_one()
    {
        var first = await App.CreateDistinctSwarmAsync(tenantKey: QuotaAppFixture.SmallTenantKey);
        _ = await App.CreateDistinctSwarmAsync(tenantKey: QuotaAppFixture.SmallTenantKey);
        await AssertSwarmQuotaRefusedAsync();

        using (var delete = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{first.Id}", first.Swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(delete, HttpStatusCode.NoContent);
        }
        var replacement = await App.CreateDistinctSwarmAsync(tenantKey: QuotaAppFixture.SmallTenantKey);
        Assert.Equal(1, await App.MemberCountAsync(replacement.Swarm));
        await AssertSwarmQuotaRefusedAsync();
    }

    /// <summary>A third swarm is refused with quota_exceeded and leaves no row behind.</summary>
    private async Task AssertSwarmQuotaRefusedAsync()
    {
        var before = await App.TenantSnapshotAsync("small");
        Assert.Equal(2, before.Count(r => r.Contains("/swarm|", StringComparison.Ordinal)));
        Assert.Equal(4, before.Count(r => r.StartsWith(GlobalRows.JoinCodePartition + "/", StringComparison.Ordinal))); // a join and a coordinator code each
        Assert.Equal(2, before.Count(r => r.StartsWith(GlobalRows.SwarmIndexPartition + "/", StringComparison.Ordinal)));
        using var response = await App.SendAsync(HttpMethod.Post, "api/swarms", QuotaAppFixture.SmallTenantKey, new { name = "one too many" });
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Equal(2, (int?)problem["limit"]);
        Assert.Equal(before, await App.TenantSnapshotAsync("small"));
    }
}
