using Coordination.Client;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>The swarm, membership and presence operations of the SDK against the real app.</summary>
public sealed class SdkSwarmTests
{
    [Fact]
    public async Task A_swarm_is_created_listed_joined_read_and_its_members_and_presence_seen()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker-1", capabilities: ["python"]);
        var observer = await swarm.JoinAsync("observer-1", Role.Observer);

        var listed = await swarm.Tenant.Swarms.ListAsync(limit: 10);
        var read = await worker.Swarms.GetAsync();
        var members = await observer.Swarms.ListMembersAsync();
        var beat = await worker.Agents.HeartbeatAsync(new Coordination.Core.Presence.HeartbeatRequest("busy", ["python", "sql"]));
        var withSql = await observer.Agents.FindAsync(capability: "sql");
        var one = await observer.Agents.GetAsync("worker-1");
        var stream = await worker.Swarms.MintStreamTokenAsync();

        Assert.Contains(listed.Items, s => s.SwarmId == swarm.SwarmId);
        Assert.Equal((swarm.SwarmId, 3), (read.SwarmId, read.MemberCount));
        Assert.Equal(new[] { "observer-1", "worker-1", swarm.Created.AgentId }.Order(StringComparer.Ordinal), members.Items.Select(m => m.AgentId).Order(StringComparer.Ordinal));
        Assert.Equal("busy", beat.Status);
        Assert.Equal(["worker-1"], withSql.Items.Select(m => m.AgentId));
        Assert.Equal(["python", "sql"], one.Capabilities);
        Assert.True(stream.ExpiresAt > DateTimeOffset.UtcNow);
        Assert.NotEmpty(stream.Token);
    }

    [Fact]
    public async Task An_observer_is_refused_writes_with_forbidden_role_and_a_bad_token_with_unauthorized()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var observer = await swarm.JoinAsync("observer-1", Role.Observer);
        using var stranger = swarm.Tenant.WithCredentials("not-a-token", swarm.SwarmId);

        var forbidden = await Assert.ThrowsAsync<CoordinationProblemException>(() => observer.State.IncrementAsync("counter"));
        var unauthorized = await Assert.ThrowsAsync<CoordinationProblemException>(() => stranger.Swarms.GetAsync());

        Assert.Equal(("forbidden_role", 403), (forbidden.Code, (int)forbidden.Status));
        Assert.Equal(("unauthorized", 401), (unauthorized.Code, (int)unauthorized.Status));
    }

    [Fact]
    public async Task Coordinator_tokens_member_removal_leaving_archiving_and_deletion()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker-1");
        await swarm.JoinAsync("worker-2");

        var promoted = await swarm.Tenant.Swarms.MintCoordinatorTokenAsync(swarm.SwarmId, "worker-2");
        using var second = swarm.Tenant.WithCredentials(promoted);
        await second.Swarms.RemoveMemberAsync("worker-1");                   // a coordinator removes a member
        var removed = await Assert.ThrowsAsync<CoordinationProblemException>(() => worker.Swarms.GetAsync());
        await second.Swarms.RemoveMemberAsync("worker-2");                   // and leaves itself
        var archived = await swarm.Coordinator.Swarms.ArchiveAsync();
        var refused = await Assert.ThrowsAsync<CoordinationProblemException>(() => swarm.Coordinator.State.IncrementAsync("n"));
        await swarm.Coordinator.Swarms.DeleteAsync();
        var deleted = await Assert.ThrowsAsync<CoordinationProblemException>(() => swarm.Tenant.Swarms.GetAsync(swarm.SwarmId));

        Assert.Equal(Role.Coordinator, promoted.Role);
        Assert.Equal("unauthorized", removed.Code);
        Assert.Equal("archived", archived.Status);
        Assert.Equal("swarm_archived", refused.Code);
        Assert.Equal("not_found", deleted.Code);
    }
}
