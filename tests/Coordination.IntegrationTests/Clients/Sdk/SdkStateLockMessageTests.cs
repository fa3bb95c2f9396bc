using System.Text.Json;
using Coordination.Client;
using Coordination.Core.Locks;
using Coordination.Core.Messaging;
using Coordination.Core.State;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>The state, lock and messaging operations of the SDK against the real app.</summary>
public sealed class SdkStateLockMessageTests
{
    [Fact]
    public async Task State_is_set_compared_incremented_polled_and_deleted_with_versions()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var agent = await swarm.JoinAsync("worker-1");

        var set = await agent.State.SetAsync("config/mode", new { mode = "fast" }, ifVersion: 0);
        var stale = await Assert.ThrowsAsync<CoordinationProblemException>(() => agent.State.SetAsync("config/mode", new { mode = "slow" }, ifVersion: 0));
        var read = await agent.State.GetAsync("config/mode");
        var counted = await agent.State.IncrementAsync("counter", 5);
        var poll = agent.State.PollAsync(new PollStateRequest(["counter"], new Dictionary<string, long> { ["counter"] = counted.Version }, Wait: 10));
        await agent.State.IncrementAsync("counter", -2);
        var changed = Assert.Single((await poll).Changed);
        var deleted = await agent.State.DeleteAsync("config/mode", ifVersion: read.Version);

        Assert.Equal(1, set.Version);
        Assert.Equal("version_conflict", stale.Code);
        Assert.Equal("fast", read.Value!.Value.GetProperty("mode").GetString());
        Assert.Equal((3L, 2L), (changed.Value!.Value.GetInt64(), changed.Version));
        Assert.True(deleted.Deleted);
    }

    [Fact]
    public async Task A_lock_is_acquired_listed_renewed_refused_to_another_and_released()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var first = await swarm.JoinAsync("worker-1");
        var second = await swarm.JoinAsync("worker-2");

        var held = await first.Locks.AcquireAsync(new AcquireLockRequest("file:a.txt", 30));
        var contended = await second.Locks.AcquireAsync(new AcquireLockRequest("file:a.txt", 30));
        var listed = await second.Locks.ListAsync("file:a.txt");
        var renewed = await first.Locks.RenewAsync(held.ClaimId!, 60);
        var notHolder = await Assert.ThrowsAsync<CoordinationProblemException>(() => second.Locks.ReleaseAsync(held.ClaimId!));
        await first.Locks.ReleaseAsync(held.ClaimId!);
        var after = await second.Locks.AcquireAsync(new AcquireLockRequest("file:a.txt", 30));

        Assert.True(held.Acquired);
        Assert.Equal((false, "worker-1"), (contended.Acquired, contended.HeldBy));
        Assert.Equal([held.ClaimId], listed.Locks.Select(l => l.ClaimId));
        Assert.True(renewed.ExpiresAt > held.ExpiresAt);
        Assert.Equal("not_holder", notHolder.Code);
        Assert.True(after.Acquired);
        Assert.True(after.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task Messages_are_sent_read_from_the_inbox_acknowledged_threaded_and_caught_up()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var alice = await swarm.JoinAsync("alice");
        var bob = await swarm.JoinAsync("bob");

        var question = await alice.Messages.SendAsync(new SendMessageRequest("bob", "can you review?", Category: "request", Priority: 4));
        var inbox = await bob.Messages.InboxAsync(includeBroadcast: false);
        var got = await bob.Messages.GetAsync(question.MessageId);
        var answer = await bob.Messages.SendAsync(new SendMessageRequest("alice", "on it", ParentMessageId: question.MessageId));
        var acked = await bob.Messages.AcknowledgeAsync(question.MessageId);
        var thread = await alice.Messages.ThreadAsync(question.MessageId);
        var catchUp = await alice.Messages.CatchUpAsync(10);

        Assert.Equal([question.MessageId], inbox.Items.Select(m => m.MessageId));
        Assert.Equal("can you review?", got.Content);
        Assert.Equal("acknowledged", acked.Status);
        Assert.Equal([question.MessageId, answer.MessageId], thread.Items.Select(m => m.MessageId));
        Assert.Contains(catchUp.Messages, m => m.MessageId == answer.MessageId);
        Assert.Equal(swarm.SwarmId, catchUp.Swarm.SwarmId);
    }
}
