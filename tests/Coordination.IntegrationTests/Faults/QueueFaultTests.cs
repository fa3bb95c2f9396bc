using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Queues;

namespace Coordination.IntegrationTests.Faults;

/// <summary>The queue layer through a fault-injecting proxy in front of Azurite, with the app's retry policy. Each test uses its own queue.</summary>
public sealed class QueueFaultTests
{
    private static readonly TimeSpan Hidden = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_send_through_503s_and_dropped_connections_enqueues_exactly_one_message()
    {
        await using var setup = await FaultyQueue.CreateAsync();
        FaultAction[] faults = [FaultAction.ServerBusy, FaultAction.DropBeforeForwarding, FaultAction.ServerBusy];
        setup.Proxy.PlanSequence(r => r.Method == "POST", faults);

        var receipt = await setup.Faulty.SendAsync("wake swarm-1");

        var message = Assert.Single(await setup.Test.Queue.ReceiveAsync(32, Hidden));
        Assert.Equal(("wake swarm-1", receipt.MessageId), (message.Body.ToString(), message.MessageId));
        var exchanges = setup.Proxy.ExchangesFor("POST");
        Assert.Equal([.. faults, FaultAction.Forward], exchanges.Select(e => e.Action));
        Assert.Equal([201], exchanges.Where(e => e.UpstreamStatus is not null).Select(e => e.UpstreamStatus!.Value));
        Assert.Equal(4, setup.Calls.Calls);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_send_whose_response_is_lost_is_enqueued_twice_as_the_layer_documents()
    {
        // StorageQueue.SendAsync is documented as not idempotent (senders only put idempotent wake-ups); this pins why.
        await using var setup = await FaultyQueue.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: r => r.Method == "POST");

        await setup.Faulty.SendAsync("wake swarm-2");

        var received = await setup.Test.Queue.ReceiveAsync(32, Hidden);
        Assert.Equal(["wake swarm-2", "wake swarm-2"], received.Select(m => m.Body.ToString()));
        Assert.Equal(2, received.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(
            [(FaultAction.DropAfterForwarding, (int?)201), (FaultAction.Forward, 201)],
            setup.Proxy.ExchangesFor("POST").Select(e => (e.Action, e.UpstreamStatus)));
    }

    [Fact]
    public async Task A_receive_through_503s_and_dropped_connections_hands_the_message_over_once()
    {
        await using var setup = await FaultyQueue.CreateAsync();
        await setup.Test.Queue.SendAsync("wake swarm-3");
        setup.Proxy.PlanSequence(r => r.Method == "GET", FaultAction.ServerBusy, FaultAction.DropBeforeForwarding);

        var received = Assert.Single(await setup.Faulty.ReceiveAsync(32, Hidden));

        Assert.Equal(("wake swarm-3", 1), (received.Body.ToString(), received.DequeueCount));
        Assert.True(await setup.Faulty.DeleteMessageAsync(received.MessageId, received.PopReceipt));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_message_delete_whose_response_is_lost_reports_false_on_the_retry_although_the_message_is_gone()
    {
        // false means "someone else has it", which the trigger poller treats like done: the message is gone either way.
        await using var setup = await FaultyQueue.CreateAsync();
        await setup.Test.Queue.SendAsync("wake swarm-4");
        var received = Assert.Single(await setup.Test.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: r => r.Method == "DELETE");

        var deleted = await setup.Faulty.DeleteMessageAsync(received.MessageId, received.PopReceipt);

        Assert.False(deleted);
        Assert.Empty(await setup.Test.ReceiveWithinAsync(TimeSpan.FromSeconds(2)));
        Assert.Equal(
            [(FaultAction.DropAfterForwarding, (int?)204), (FaultAction.Forward, 404)],
            setup.Proxy.ExchangesFor("DELETE").Select(e => (e.Action, e.UpstreamStatus)));
    }

    [Fact]
    public async Task Persistent_503s_on_a_queue_end_in_StorageThrottledException_after_exactly_1_plus_MaxRetries_attempts()
    {
        await using var setup = await FaultyQueue.CreateAsync();
        setup.Proxy.Plan(FaultAction.ServerBusy, times: int.MaxValue);

        await Assert.ThrowsAsync<StorageThrottledException>(() => setup.Faulty.ReceiveAsync(1, Hidden));

        Assert.Equal(1 + FaultyTable.MaxRetries, setup.Calls.Calls);
        Assert.Equal(1 + FaultyTable.MaxRetries, setup.Proxy.Exchanges.Count);
    }

    /// <summary>A fresh queue, a proxy in front of Azurite's queue endpoint, and the same queue reached through it.</summary>
    private sealed class FaultyQueue : IAsyncDisposable
    {
        private FaultyQueue(TestQueue test, FaultProxy proxy, StorageQueue faulty, StorageCallCounter calls)
        {
            Test = test;
            Proxy = proxy;
            Faulty = faulty;
            Calls = calls;
        }

        /// <summary>Direct to Azurite: arranges and verifies.</summary>
        public TestQueue Test { get; }

        public FaultProxy Proxy { get; }

        /// <summary>The same queue through the proxy, with the app's retry policy.</summary>
        public StorageQueue Faulty { get; }

        public StorageCallCounter Calls { get; }

        public static async Task<FaultyQueue> CreateAsync()
        {
            var test = await TestQueue.CreateAsync();
            var proxy = FaultProxy.Start(TestEnvironment.QueueEndpoint);
            var calls = new StorageCallCounter();
            var faulty = TestEnvironment.Queue(test.Name, calls, TestEnvironment.ConnectionStringVia(queueEndpoint: proxy.Endpoint));
            return new FaultyQueue(test, proxy, faulty, calls);
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Test.DisposeAsync();
        }
    }
}
