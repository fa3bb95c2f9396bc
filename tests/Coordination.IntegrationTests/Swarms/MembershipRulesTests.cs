using System.Net;
using Coordination.Functions.Features.Swarms;
using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>Rules that keep a swarm governable: a coordinator always remains, archived membership is frozen.</summary>
public sealed class MembershipRulesTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task The_last_coordinator_cannot_leave_but_one_of_two_can()
    {
        var created = await App.CreateDistinctSwarmAsync();
        var swarm = created.Swarm;
        using (var alone = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/{created.CoordinatorId}", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureProblemAsync(alone, HttpStatusCode.Conflict, "last_coordinator");
        }
        Assert.Contains(created.CoordinatorId, await App.MemberIdsAsync(swarm));

        var second = await App.JoinAsync(swarm, "second-lead", role: "coordinator");
        using (var removeFirst = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/{created.CoordinatorId}", second))
        {
            await SwarmApi.EnsureAsync(removeFirst, HttpStatusCode.NoContent);
        }
        using (var leaveSecond = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/second-lead", second))
        {
            await SwarmApi.EnsureProblemAsync(leaveSecond, HttpStatusCode.Conflict, "last_coordinator");
        }
        Assert.Equal(["second-lead"], await App.MemberIdsAsync(swarm with { CoordinatorToken = second }));
    }

    [Fact]
    public async Task Membership_of_an_archived_swarm_does_not_change()
    {
        var created = await App.CreateDistinctSwarmAsync();
        var swarm = created.Swarm;
        var observer = await App.JoinAsync(swarm, "watcher", role: "observer");
        using (var archive = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/archive", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(archive, HttpStatusCode.OK);
        }
        var before = await App.PartitionSnapshotAsync(swarm);
        using (var leave = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/watcher", observer))
        {
            await SwarmApi.EnsureProblemAsync(leave, HttpStatusCode.Conflict, "swarm_archived");
        }
        using (var remove = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/watcher", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureProblemAsync(remove, HttpStatusCode.Conflict, "swarm_archived");
        }
        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
    }

    [Theory]
    [InlineData("6.6.6.6, 203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7:51234", "203.0.113.7")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1")]
    public void Behind_the_functions_host_the_join_limiter_keys_on_the_hop_the_front_end_appended(string header, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Forwarded-For"] = header;
        Assert.Equal(expected, SwarmEndpoints.ClientAddress(context, new FunctionsHostEnvironment(7000)));
        Assert.NotEqual(expected, SwarmEndpoints.ClientAddress(context, new FunctionsHostEnvironment((int?)null)));
    }
}
