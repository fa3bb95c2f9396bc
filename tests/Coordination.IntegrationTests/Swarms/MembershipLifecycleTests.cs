using System.Net;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>A swarm's life: its first events, members joining, leaving and being removed, archive and delete.</summary>
public sealed class MembershipLifecycleTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Fresh_swarm_log_starts_with_swarm_created_then_the_coordinator_joining()
    {
        for (var i = 0; i < 5; i++)
        {
            var created = await App.CreateDistinctSwarmAsync(maxAgents: 7);
            var events = await App.ReadAllEventsAsync(created.Swarm);
            Assert.Equal(2, events.Count);
            Assert.Equal(["swarm.created", "agent.joined"], events.Select(e => (string)e["type"]!).ToArray());
            Assert.Equal([1L, 2L], events.Select(e => (long)e["sequence"]!).ToArray());
            Assert.Equal(created.Name, (string?)events[0]["data"]!["name"]);
            Assert.Equal(7, (int?)events[0]["data"]!["maxAgents"]);
            Assert.Equal(created.CoordinatorId, (string?)events[1]["subject"]);
            Assert.Equal("coordinator", (string?)events[1]["data"]!["role"]);
            Assert.All(events, e => Assert.Equal(created.CoordinatorId, (string?)e["actor"]));
            Assert.Equal((string?)events[0]["hash"], (string?)events[1]["prevhash"]);
        }
    }

    [Fact]
    public async Task Members_list_shows_role_presence_and_the_capabilities_given_at_join()
    {
        var swarm = await App.CreateSwarmAsync();
        using (var join = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
            new { joinCode = swarm.JoinCode, role = "worker", agentId = "builder", name = "Bob the builder", capabilities = new[] { "build", "test" } }))
        {
            await SwarmApi.EnsureAsync(join, HttpStatusCode.Created);
        }
        _ = await App.JoinAsync(swarm, "viewer", role: "observer");

        var members = (await App.MembersAsync(swarm)).ToDictionary(m => (string)m["agentId"]!);
        Assert.Equal(["builder", "coordinator", "viewer"], members.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("coordinator", (string?)members["coordinator"]["role"]);
        Assert.Equal("worker", (string?)members["builder"]["role"]);
        Assert.Equal("observer", (string?)members["viewer"]["role"]);
        Assert.Equal("Bob the builder", (string?)members["builder"]["name"]);
        Assert.Equal(["build", "test"], members["builder"]["capabilities"]!.AsArray().Select(c => (string)c!));
        Assert.Empty(members["viewer"]["capabilities"]!.AsArray());
        Assert.All(members.Values, m =>
        {
            Assert.Equal("online", (string?)m["status"]);
            Assert.True((bool)m["online"]!);
        });
        Assert.Equal(3, await App.MemberCountAsync(swarm));
    }

    [Fact]
    public async Task Leaving_deletes_the_membership_logs_agent_left_once_and_revokes_the_token()
    {
        var swarm = await App.CreateSwarmAsync();
        var leaver = await App.JoinAsync(swarm, "leaver");

        using (var leave = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/leaver", leaver))
        {
            await SwarmApi.EnsureAsync(leave, HttpStatusCode.NoContent);
        }
        using (var again = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/leaver", leaver))
        {
            await SwarmApi.EnsureProblemAsync(again, HttpStatusCode.Unauthorized, "unauthorized");
        }

        var left = Assert.Single(await App.ReadAllEventsAsync(swarm, type: "agent.left"));
        Assert.Equal("leaver", (string?)left["subject"]);
        Assert.Equal("leaver", (string?)left["actor"]);
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(swarm));
        Assert.Equal(1, await App.MemberCountAsync(swarm));
    }

    [Fact]
    public async Task Coordinator_removes_a_worker_with_agent_removed_and_a_non_member_is_404()
    {
        var swarm = await App.CreateSwarmAsync();
        _ = await App.JoinAsync(swarm, "doomed");
        var id = swarm.SwarmId;

        using (var remove = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{id}/members/doomed", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(remove, HttpStatusCode.NoContent);
        }
        var removed = Assert.Single(await App.ReadAllEventsAsync(swarm, type: "agent.removed"));
        Assert.Equal("doomed", (string?)removed["subject"]);
        Assert.Equal("coordinator", (string?)removed["actor"]);
        Assert.Empty(await App.ReadAllEventsAsync(swarm, type: "agent.left"));

        var before = await App.PartitionSnapshotAsync(swarm);
        foreach (var nobody in new[] { "doomed", "never-joined" })
        {
            using var response = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{id}/members/{nobody}", swarm.CoordinatorToken);
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.NotFound, "not_found");
        }
        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal(1, await App.MemberCountAsync(swarm));
    }

    [Fact]
    public async Task Archived_swarm_can_be_read_refuses_writes_and_archiving_again_changes_nothing()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "archivist");
        var id = swarm.SwarmId;

        using (var archive = await App.SendAsync(HttpMethod.Post, $"api/swarms/{id}/archive", swarm.CoordinatorToken))
        {
            Assert.Equal("archived", (string?)(await SwarmApi.EnsureAsync(archive, HttpStatusCode.OK))["status"]);
        }
        Assert.Equal("archived", (string?)(await App.GetJsonAsync($"api/swarms/{id}", worker))["status"]);
        _ = await App.GetJsonAsync($"api/swarms/{id}/members", worker);
        _ = await App.GetJsonAsync($"api/swarms/{id}/events", worker);

        var before = await App.PartitionSnapshotAsync(swarm);
        foreach (var token in new[] { worker, swarm.CoordinatorToken })
        {
            using var broadcast = await App.SendAsync(HttpMethod.Post, $"api/swarms/{id}/events", token, new { type = "too.late" });
            await SwarmApi.EnsureProblemAsync(broadcast, HttpStatusCode.Conflict, "swarm_archived");
            using var heartbeat = await App.SendAsync(HttpMethod.Post, $"api/swarms/{id}/heartbeat", token, new { status = "busy" });
            await SwarmApi.EnsureProblemAsync(heartbeat, HttpStatusCode.Conflict, "swarm_archived");
        }
        using (var join = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = swarm.JoinCode, role = "worker", agentId = "latecomer" }))
        {
            await SwarmApi.EnsureProblemAsync(join, HttpStatusCode.Unauthorized, "unauthorized");
        }
        using (var again = await App.SendAsync(HttpMethod.Post, $"api/swarms/{id}/archive", swarm.CoordinatorToken))
        {
            Assert.Equal("archived", (string?)(await SwarmApi.EnsureAsync(again, HttpStatusCode.OK))["status"]);
        }

        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Single(await App.ReadAllEventsAsync(swarm, type: "swarm.archived"));
    }

    [Fact]
    public async Task Deleted_swarm_revokes_every_token_and_its_join_code()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "bystander");
        var id = swarm.SwarmId;

        using (var delete = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{id}", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(delete, HttpStatusCode.NoContent);
        }
        foreach (var token in new[] { swarm.CoordinatorToken, worker })
        {
            using var get = await App.SendAsync(HttpMethod.Get, $"api/swarms/{id}", token);
            await SwarmApi.EnsureProblemAsync(get, HttpStatusCode.Unauthorized, "unauthorized");
        }
        foreach (var swarmId in new[] { id, null })
        {
            using var join = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = swarm.JoinCode, swarmId, role = "worker", agentId = "phoenix" });
            await SwarmApi.EnsureProblemAsync(join, HttpStatusCode.Unauthorized, "unauthorized");
        }
        Assert.Empty(await App.RowsAsync(Coordination.Storage.Tables.TableFilter.Partition(id)));
    }

    [Fact]
    public async Task Archived_swarm_can_still_be_deleted()
    {
        var swarm = await App.CreateSwarmAsync();
        using (var archive = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/archive", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(archive, HttpStatusCode.OK);
        }
        using (var delete = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(delete, HttpStatusCode.NoContent);
        }
        Assert.Empty(await App.RowsAsync(Coordination.Storage.Tables.TableFilter.Partition(swarm.SwarmId)));
    }
}
