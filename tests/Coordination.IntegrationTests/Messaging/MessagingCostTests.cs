using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Messaging;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Messaging;

/// <summary>
/// Storage calls per mailbox operation, counted on a message sender and mailbox whose table client counts (the app's own
/// services, e.g. the cached directory and the sequencer, use uncounted clients, so background work does not blur it).
/// </summary>
public sealed class MessagingCostTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private readonly RunningApp _app = fixture.App;

    [Fact]
    public async Task Send_read_and_ack_cost_a_fixed_handful_of_storage_calls()
    {
        var swarm = await _app.CreateSwarmAsync();
        _ = await _app.JoinAsync(swarm, "alice");
        _ = await _app.JoinAsync(swarm, "bob");
        var counter = new StorageCallCounter();
        var table = TestEnvironment.Table(_app.TableName, counter);
        var (events, directory) = (_app.Services.GetRequiredService<EventLog>(), _app.Services.GetRequiredService<SwarmDirectory>());
        var sender = new MessageSender(table, events, directory, _app.Services.GetRequiredService<TenantDirectory>(), TimeProvider.System);
        var mailbox = new Mailbox(table, events, directory, TimeProvider.System);
        var alice = new Caller("test", swarm.SwarmId, "alice", Role.Worker);
        var bob = new Caller("test", swarm.SwarmId, "bob", Role.Worker);
        _ = await _app.Services.GetRequiredService<SwarmDirectory>().GetMemberAsync(swarm.SwarmId, "bob", CancellationToken.None);
        _ = await _app.Services.GetRequiredService<SwarmDirectory>().GetSwarmAsync(swarm.SwarmId, CancellationToken.None);

        async Task<long> Calls(Func<Task> operation)
        {
            var before = counter.Calls;
            await operation();
            return counter.Calls - before;
        }

        MessageView? first = null;
        Assert.Equal(1, await Calls(async () => first = await sender.SendAsync(swarm.SwarmId, alice, new SendMessageRequest("bob", "one"), default)));   // one transaction
        Assert.Equal(2, await Calls(() => sender.SendAsync(swarm.SwarmId, alice, new SendMessageRequest("bob", "reply", ParentMessageId: first!.MessageId), default)));   // + the parent
        Assert.Equal(2, await Calls(() => sender.SendAsync(swarm.SwarmId, alice, new SendMessageRequest("*", "all"), default)));   // + the member list
        Assert.Equal(2, await Calls(() => mailbox.ReadInboxAsync(swarm.SwarmId, bob, new InboxQuery(), default)));   // one query + one transaction marks all three
        Assert.Equal(1, await Calls(() => mailbox.ReadInboxAsync(swarm.SwarmId, bob, new InboxQuery(), default)));   // nothing pending: the query only
        Assert.Equal(3, await Calls(() => mailbox.AcknowledgeAsync(swarm.SwarmId, bob, first!.MessageId, default)));   // message, copy, transaction
    }
}
