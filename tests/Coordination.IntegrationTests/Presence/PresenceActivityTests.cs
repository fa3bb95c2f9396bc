using System.Text.Json.Nodes;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Presence;

/// <summary>Any authenticated call by an agent keeps it present, with at most one write per agent per interval.</summary>
public sealed class PresenceActivityTests
{
    [Fact]
    public async Task An_agent_that_keeps_calling_but_never_heartbeats_stays_online_past_the_ttl()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var swarm = await app.CreateSwarmAsync();
        using var busy = app.ClientFor(await app.JoinAsync(swarm, "busy"));
        using var observer = app.ClientFor(swarm.CoordinatorToken);

        // Default TTL 90 s: calls at +60 s and +120 s, read at +170 s; only the joining counted as a heartbeat.
        clock.Advance(TimeSpan.FromSeconds(60));
        await busy.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats");
        clock.Advance(TimeSpan.FromSeconds(60));
        await busy.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats");
        clock.Advance(TimeSpan.FromSeconds(50));

        var member = JsonNode.Parse(await observer.GetStringAsync($"api/swarms/{swarm.SwarmId}/agents/busy"))!;
        Assert.True((bool)member["online"]!, member.ToJsonString());
        Assert.Equal("online", (string?)member["status"]);
    }

    [Fact]
    public async Task Calls_within_the_interval_write_the_member_row_once()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var swarm = await app.CreateSwarmAsync();
        using var busy = app.ClientFor(await app.JoinAsync(swarm, "busy"));
        var table = TestEnvironment.Table(app.TableName);
        async Task<Azure.ETag> VersionAsync() => (await table.GetEntityAsync(swarm.SwarmId, SwarmRows.AgentKey("busy")))!.ETag;

        clock.Advance(TimeSpan.FromSeconds(31));
        await busy.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats");
        var afterFirst = await VersionAsync();
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            await busy.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats");
        }
        Assert.Equal(afterFirst, await VersionAsync());

        clock.Advance(TimeSpan.FromSeconds(11));   // 31 s since the first write: the next call writes again
        await busy.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats");
        Assert.NotEqual(afterFirst, await VersionAsync());
    }
}
