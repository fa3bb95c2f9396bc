using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Events;

/// <summary>Reading the log: the one list shape with a sequence cursor, filters by the fields events carry, and the broadcast types agents use.</summary>
public sealed class EventQueryTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task The_log_pages_as_a_list_with_items_a_sequence_cursor_and_has_more()
    {
        var swarm = await App.CreateSwarmAsync();   // swarm.created and the coordinator's agent.joined: sequences 1, 2
        var worker = await App.JoinAsync(swarm, "worker");   // 3
        for (var i = 0; i < 4; i++)
        {
            await BroadcastAsync(swarm, worker, "custom.step");   // 4..7
        }
        var path = $"api/swarms/{swarm.SwarmId}/events";

        var first = await App.GetJsonAsync($"{path}?limit=4", worker);
        Assert.Equal([1L, 2, 3, 4], Sequences(first));
        Assert.Equal("4", (string?)first["nextCursor"]);
        Assert.True((bool)first["hasMore"]!);
        var second = await App.GetJsonAsync($"{path}?limit=4&cursor={(string)first["nextCursor"]!}", worker);
        Assert.Equal([5L, 6, 7], Sequences(second));
        Assert.Equal("7", (string?)second["nextCursor"]);
        Assert.False((bool)second["hasMore"]!);
        var caughtUp = await App.GetJsonAsync($"{path}?cursor=7", worker);   // nothing new: resume from the same place later
        Assert.Empty(caughtUp["items"]!.AsArray());
        Assert.Equal("7", (string?)caughtUp["nextCursor"]);
        Assert.False((bool)caughtUp["hasMore"]!);
        var typed = await App.GetJsonAsync($"{path}?type=custom.step&cursor=0&limit=3", worker);
        Assert.Equal([4L, 5, 6], Sequences(typed));
        Assert.Equal("6", (string?)typed["nextCursor"]);
    }

    [Fact]
    public async Task The_log_filters_by_actor_the_field_its_events_carry()
    {
        var swarm = await App.CreateSwarmAsync();
        var alice = await App.JoinAsync(swarm, "alice");
        var bob = await App.JoinAsync(swarm, "bob");
        await BroadcastAsync(swarm, alice, "custom.a");
        await BroadcastAsync(swarm, bob, "custom.b");
        await BroadcastAsync(swarm, alice, "custom.c");

        var byAlice = (await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}/events?actor=alice", bob))["items"]!.AsArray();
        Assert.Equal(["agent.joined", "custom.a", "custom.c"], byAlice.Select(e => (string)e!["type"]!));   // her join was hers too
        Assert.All(byAlice, e => Assert.Equal("alice", (string)e!["actor"]!));
        var byBob = (await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}/events?actor=bob&type=custom.a,custom.b", bob))["items"]!.AsArray();
        Assert.Equal(["custom.b"], byBob.Select(e => (string)e!["type"]!));
    }

    [Theory]
    [InlineData("cursor=abc")]
    [InlineData("cursor=-1")]
    [InlineData("cursor=1.5")]
    [InlineData("cursor=99999999999999999999")]
    public async Task A_cursor_that_is_no_sequence_is_a_validation_problem_naming_it(string query)
    {
        var swarm = await App.CreateSwarmAsync();
        using var response = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/events?{query}", swarm.CoordinatorToken);
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("cursor", (string?)problem["field"]);
    }

    [Theory]
    [InlineData("events?after=5", "after", "cursor")]
    [InlineData("events?sender=worker-1", "sender", "actor")]
    [InlineData("events/stream?after=5", "after", "cursor")]
    [InlineData("tasks/events?after=5", "after", "cursor")]
    public async Task A_renamed_query_parameter_is_refused_naming_its_new_name(string route, string old, string renamed)
    {
        var swarm = await App.CreateSwarmAsync();
        using var response = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/{route}", swarm.CoordinatorToken);
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(old, (string?)problem["field"]);
        Assert.Contains($"'{renamed}'", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("task_available")]
    [InlineData("phase_complete")]
    [InlineData("resource_released")]
    [InlineData("error")]
    [InlineData("build:finished-7")]
    public async Task The_seed_broadcast_types_and_custom_ones_stay_usable_as_broadcasts(string type)
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "worker");

        using var response = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", worker, new { type, data = new { phase = 1 } });
        var accepted = await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);

        Assert.Equal(type, (string?)accepted["type"]);
        var logged = Assert.Single(await App.ReadAllEventsAsync(swarm, type));
        Assert.Equal("worker", (string?)logged["actor"]);
        Assert.Equal(1, (int)logged["data"]!["phase"]!);
    }

    [Fact]
    public async Task A_broadcast_cannot_forge_a_lock_event()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "worker");
        using var response = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", worker, new { type = "lock.released" });
        Assert.Contains("'lock.'", (string?)(await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed"))["detail"]);
    }

    private static long[] Sequences(JsonObject page) => page["items"]!.AsArray().Select(e => (long)e!["sequence"]!).ToArray();

    private async Task BroadcastAsync(TestSwarm swarm, string token, string type)
    {
        using var response = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", token, new { type });
        await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
    }
}
