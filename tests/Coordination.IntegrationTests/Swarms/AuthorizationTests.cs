using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>Roles decide what a member may do; a token never reaches another swarm; identity comes from the token only.</summary>
public sealed class AuthorizationTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Observer_reads_everything_in_its_swarm_but_never_sees_the_join_code()
    {
        var swarm = await App.CreateSwarmAsync();
        var observer = await App.JoinAsync(swarm, "watcher", role: "observer");
        var id = swarm.SwarmId;

        var view = await App.GetJsonAsync($"api/swarms/{id}", observer);
        Assert.Equal(id, (string?)view["swarmId"]);
        Assert.Null(view["joinCode"]);
        Assert.Equal(2, (await App.GetJsonAsync($"api/swarms/{id}/members", observer))["items"]!.AsArray().Count);
        Assert.NotEmpty((await App.GetJsonAsync($"api/swarms/{id}/events", observer))["items"]!.AsArray());
        Assert.Equal(2, (await App.GetJsonAsync($"api/swarms/{id}/agents", observer))["items"]!.AsArray().Count);
        Assert.Equal("coordinator", (string?)(await App.GetJsonAsync($"api/swarms/{id}/agents/coordinator", observer))["agentId"]);
    }

    [Fact]
    public async Task Observer_writes_answer_403_forbidden_role_and_change_nothing()
    {
        var swarm = await App.CreateSwarmAsync();
        var observer = await App.JoinAsync(swarm, "watcher", role: "observer");
        _ = await App.JoinAsync(swarm, "busy-worker");
        var id = swarm.SwarmId;
        var before = await App.PartitionSnapshotAsync(swarm);

        await AssertForbiddenAsync(observer, HttpMethod.Post, $"api/swarms/{id}/events", new { type = "observer.says", data = new { x = 1 } });
        await AssertForbiddenAsync(observer, HttpMethod.Post, $"api/swarms/{id}/heartbeat", new { status = "busy" });
        await AssertForbiddenAsync(observer, HttpMethod.Post, $"api/swarms/{id}/archive");
        await AssertForbiddenAsync(observer, HttpMethod.Delete, $"api/swarms/{id}");
        await AssertForbiddenAsync(observer, HttpMethod.Delete, $"api/swarms/{id}/members/busy-worker");
        await AssertForbiddenAsync(observer, HttpMethod.Delete, $"api/swarms/{id}/members/coordinator");

        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal("active", (string?)(await App.GetJsonAsync($"api/swarms/{id}", swarm.CoordinatorToken))["status"]);
    }

    [Fact]
    public async Task Worker_may_not_remove_others_archive_or_delete()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "plain-worker");
        _ = await App.JoinAsync(swarm, "other-worker");
        var id = swarm.SwarmId;
        var before = await App.PartitionSnapshotAsync(swarm);

        await AssertForbiddenAsync(worker, HttpMethod.Delete, $"api/swarms/{id}/members/other-worker");
        await AssertForbiddenAsync(worker, HttpMethod.Delete, $"api/swarms/{id}/members/coordinator");
        await AssertForbiddenAsync(worker, HttpMethod.Post, $"api/swarms/{id}/archive");
        await AssertForbiddenAsync(worker, HttpMethod.Delete, $"api/swarms/{id}");

        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal(["coordinator", "other-worker", "plain-worker"], await App.MemberIdsAsync(swarm));
    }

    [Fact]
    public async Task Token_of_one_swarm_finds_nothing_in_another_and_leaks_nothing_about_it()
    {
        var a = await App.CreateDistinctSwarmAsync();
        var b = await App.CreateDistinctSwarmAsync();
        var aWorker = await App.JoinAsync(a.Swarm, "a-worker");
        var bMember = $"b-member-{Guid.NewGuid():N}"[..20];
        _ = await App.JoinAsync(b.Swarm, bMember);
        var bBefore = await App.PartitionSnapshotAsync(b.Swarm);
        const string Missing = "swarm_doesnotexist0000000000";

        (HttpMethod Method, string Route, object? Body)[] routes =
        [
            (HttpMethod.Get, "", null), (HttpMethod.Get, "/members", null), (HttpMethod.Get, "/events", null),
            (HttpMethod.Get, "/events/stream", null), (HttpMethod.Get, "/agents", null), (HttpMethod.Get, $"/agents/{bMember}", null),
            (HttpMethod.Post, "/events", new { type = "cross.swarm", data = new { hello = "b" } }),
            (HttpMethod.Post, "/heartbeat", new { status = "online" }), (HttpMethod.Post, "/archive", null),
            (HttpMethod.Delete, $"/members/{bMember}", null), (HttpMethod.Delete, "", null),
        ];
        foreach (var token in new[] { aWorker, a.Swarm.CoordinatorToken })
        {
            foreach (var (method, route, body) in routes)
            {
                var problem = await NotFoundProblemAsync(method, $"api/swarms/{b.Id}{route}", token, body);
                // "instance" echoes the request path, which holds only what the caller sent; everything else must hold nothing of B.
                Assert.Equal($"/api/swarms/{b.Id}{route}", (string?)problem["instance"]);
                var rest = problem.DeepClone().AsObject();
                rest.Remove("instance");
                var text = rest.ToJsonString();
                foreach (var secret in new[] { b.Name, b.Goal, b.Swarm.JoinCode, b.Swarm.JoinCode.Replace("-", "", StringComparison.Ordinal), b.CoordinatorId, bMember })
                {
                    Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"{method} {route} leaks '{secret}': {text}");
                }

                // The answer is the one a swarm that does not exist gets: no oracle for which ids are real.
                var missing = await NotFoundProblemAsync(method, $"api/swarms/{Missing}{route}", token, body);
                Assert.Equal(((string?)missing["detail"])!.Replace(Missing, "ID", StringComparison.Ordinal), ((string?)problem["detail"])!.Replace(b.Id, "ID", StringComparison.Ordinal));
            }
        }
        Assert.Equal(bBefore, await App.PartitionSnapshotAsync(b.Swarm));
    }

    [Fact]
    public async Task Sender_field_in_a_broadcast_is_ignored_in_favour_of_the_token()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "honest-worker");

        using var response = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", worker,
            new { type = "impersonation.attempt", sender = "coordinator", data = new { note = "I am the coordinator" } });
        var accepted = await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("honest-worker", (string?)accepted["actor"]);

        var logged = Assert.Single(await App.ReadAllEventsAsync(swarm, type: "impersonation.attempt"));
        Assert.Equal("honest-worker", (string?)logged["actor"]);
        Assert.Equal((string?)accepted["id"], (string?)logged["id"]);
        var byClaimed = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}/events?actor=coordinator&type=impersonation.attempt", worker);
        Assert.Empty(byClaimed["items"]!.AsArray());
        var byActor = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}/events?actor=honest-worker&type=impersonation.attempt", worker);
        Assert.Equal((string?)accepted["id"], (string?)Assert.Single(byActor["items"]!.AsArray())!["id"]);
    }

    private async Task AssertForbiddenAsync(string token, HttpMethod method, string path, object? body = null)
    {
        using var response = await App.SendAsync(method, path, token, body);
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "forbidden_role");
    }

    private async Task<JsonObject> NotFoundProblemAsync(HttpMethod method, string path, string token, object? body)
    {
        using var response = await App.SendAsync(method, path, token, body);
        return await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }
}
