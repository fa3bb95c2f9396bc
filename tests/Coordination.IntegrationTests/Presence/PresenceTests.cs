using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Presence;

/// <summary>Presence: heartbeats, offline after the TTL, and each transition logged once by the sweep.</summary>
public sealed class PresenceTests : IAsyncLifetime
{
    private const int TtlSeconds = 2;
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
    {
        ["Coordination:PresenceTtlSeconds"] = TtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Coordination:Schedules:SweepPresence"] = "* * * * * *",   // every second
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_agent_that_stops_heartbeating_is_offline_within_ttl_plus_sweep_period_and_logged_once()
    {
        var swarm = await _app.CreateSwarmAsync();
        var token = await _app.JoinAsync(swarm, "quiet");
        using var agent = _app.ClientFor(token);
        using var heartbeat = await agent.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/heartbeat", new { status = "busy", capabilities = new[] { "python" } });
        var beat = await SwarmApi.EnsureAsync(heartbeat, HttpStatusCode.OK);
        Assert.Equal("busy", (string?)beat["status"]);
        var lastBeat = DateTimeOffset.UtcNow;

        // TTL (2 s) + sweep period (1 s) + slack for a busy machine, polled.
        var deadline = lastBeat + TimeSpan.FromSeconds(TtlSeconds + 1 + 4);
        List<JsonObject> offline = [];
        while (DateTimeOffset.UtcNow < deadline)
        {
            offline = (await _app.ReadAllEventsAsync(swarm, type: "agent.offline")).Where(e => (string?)e["subject"] == "quiet").ToList();
            if (offline.Count > 0)
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.Single(offline);
        Assert.True((DateTimeOffset)offline[0]["time"]! - lastBeat <= TimeSpan.FromSeconds(TtlSeconds + 1 + 4));

        using var reader = _app.ClientFor(swarm.CoordinatorToken);
        var member = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/agents/quiet"))!;
        Assert.Equal("offline", (string?)member["status"]);
        Assert.False((bool)member["online"]!);

        await Task.Delay(TimeSpan.FromSeconds(2.5));   // more sweeps run: the transition is still logged once
        Assert.Single(await _app.ReadAllEventsAsync(swarm, type: "agent.offline"), e => (string?)e["subject"] == "quiet");
        Assert.DoesNotContain(await _app.ReadAllEventsAsync(swarm), e => ((string?)e["type"])!.Contains("heartbeat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_agent_that_comes_back_is_logged_online_once()
    {
        var swarm = await _app.CreateSwarmAsync();
        var token = await _app.JoinAsync(swarm, "returning");
        using var agent = _app.ClientFor(token);
        await WaitForAsync(swarm, "agent.offline", "returning");

        using var heartbeat = await agent.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/heartbeat", new { status = "online" });
        await SwarmApi.EnsureAsync(heartbeat, HttpStatusCode.OK);
        await WaitForAsync(swarm, "agent.online", "returning");
        Assert.Single(await _app.ReadAllEventsAsync(swarm, type: "agent.online"), e => (string?)e["subject"] == "returning");
    }

    [Fact]
    public async Task Agents_are_found_by_capability_and_recent_activity()
    {
        var swarm = await _app.CreateSwarmAsync();
        foreach (var (id, capability) in new[] { ("py-1", "python"), ("py-2", "python"), ("rs-1", "rust") })
        {
            using var client = _app.ClientFor(await _app.JoinAsync(swarm, id));
            using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/heartbeat", new { capabilities = new[] { capability }, metadata = new { host = id } });
            await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
        }
        using var reader = _app.ClientFor(swarm.CoordinatorToken);
        var python = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/agents?capability=python&activeWithinDays=1"))!["items"]!.AsArray();
        Assert.Equal(["py-1", "py-2"], python.Select(m => (string)m!["agentId"]!).Order().ToArray());
        Assert.Equal("py-1", (string?)python.First(m => (string?)m!["agentId"] == "py-1")!["metadata"]!["host"]);
        var limited = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/agents?limit=2"))!["items"]!.AsArray();
        Assert.Equal(2, limited.Count);
        using var bad = await reader.GetAsync($"api/swarms/{swarm.SwarmId}/agents?limit=0");
        await SwarmApi.EnsureProblemAsync(bad, HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Short_metadata_after_metadata_longer_than_one_stored_property_reads_back_whole()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var agent = _app.ClientFor(await _app.JoinAsync(swarm, "chatty"));
        // 40,000 characters take two stored properties (32K characters each); the short value then takes one.
        foreach (var text in new[] { new string('x', 40_000), "short" })
        {
            using var response = await agent.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/heartbeat", new { metadata = new { text } });
            Assert.Equal(text, (string?)(await SwarmApi.EnsureAsync(response, HttpStatusCode.OK))["metadata"]!["text"]);
        }
    }

    private async Task WaitForAsync(TestSwarm swarm, string type, string subject)
    {
        for (var i = 0; i < 50; i++)
        {
            if ((await _app.ReadAllEventsAsync(swarm, type)).Any(e => (string?)e["subject"] == subject))
            {
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"No {type} for {subject} within 10 s.");
    }
}
