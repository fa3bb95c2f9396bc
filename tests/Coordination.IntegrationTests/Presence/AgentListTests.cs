using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Presence;

/// <summary>The member lists answer the one list shape: <c>GET …/agents</c> pages with a cursor, <c>GET …/members</c> is one page.</summary>
public sealed class AgentListTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Agents_page_as_a_list_most_recently_seen_first_each_member_once()
    {
        var swarm = await App.CreateSwarmAsync();
        foreach (var id in new[] { "a-1", "a-2", "a-3", "a-4" })
        {
            _ = await App.JoinAsync(swarm, id);
        }
        using var reader = App.ClientFor(swarm.CoordinatorToken);
        // Creating and joining count as being seen, so the reader's calls within the coalescing interval write nothing:
        // the coordinator was last seen when it created the swarm, before the others joined.
        _ = await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}");

        var seen = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 3; page++)
        {
            var body = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/agents?limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor)))!.AsObject();
            Assert.True(body.ContainsKey("nextCursor"));
            Assert.True(body["items"]!.AsArray().Count <= 2);
            seen.AddRange(body["items"]!.AsArray().Select(m => (string)m!["agentId"]!));
            cursor = (string?)body["nextCursor"];
            Assert.Equal(cursor is not null, (bool)body["hasMore"]!);
        }
        Assert.Null(cursor);
        Assert.Equal(["a-4", "a-3", "a-2", "a-1", "coordinator"], seen);
        using var bad = await reader.GetAsync($"api/swarms/{swarm.SwarmId}/agents?cursor=bm9wZQ");
        Assert.Equal("cursor", (string?)(await SwarmApi.EnsureProblemAsync(bad, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
    }

    [Fact]
    public async Task Members_answer_every_member_in_one_list_page()
    {
        var swarm = await App.CreateSwarmAsync();
        _ = await App.JoinAsync(swarm, "w-1");

        var body = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}/members", swarm.CoordinatorToken);

        Assert.Equal(["coordinator", "w-1"], body["items"]!.AsArray().Select(m => (string)m!["agentId"]!).Order());
        Assert.True(body.ContainsKey("nextCursor"));
        Assert.Null(body["nextCursor"]);
        Assert.False((bool)body["hasMore"]!);
        Assert.False(body.ContainsKey("members"));
    }
}
