using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Queues;

namespace Coordination.IntegrationTests.Faults;

/// <summary>The Queue client through a fault-injecting proxy in front of Azurite. Each test uses its own queue.</summary>
public sealed class QueueFaultTests
{
    [Fact]
    public async Task A_send_through_503s_and_dropped_connections_enqueues_exactly_one_message()
    {
        await using var setup = await FaultyQueue.CreateAsync();
        FaultAction[] faults = [FaultAction.ServerBusy, FaultAction.DropBeforeForwarding, FaultAction.ServerBusy];
        setup.Proxy.PlanSequence(r => r.Method == "POST", faults);

        var receipt = await setup.Faulty.SendMessageAsync("wake swarm-1");

        var received = await setup.Queue.ReceiveMessagesAsync(maxMessages: 32);
        var message = Assert.Single(received);
        Assert.Equal("wake swarm-1", message.Text);
        Assert.Equal(receipt.MessageId, message.MessageId);
        var exchanges = setup.Proxy.ExchangesFor("POST");
        Assert.Equal([.. faults, FaultAction.Forward], exchanges.Select(e => e.Action));
        Assert.Equal([201], exchanges.Where(e => e.UpstreamStatus is not null).Select(e => e.UpstreamStatus!.Value));
        Assert.Equal(4, setup.Calls.Calls);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_send_whose_response_is_lost_is_enqueued_twice_as_the_client_documents()
    {
        // SendMessageAsync is documented as not idempotent (senders only put idempotent wake-ups); this pins why.
        await using var setup = await FaultyQueue.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: r => r.Method == "POST");

        await setup.Faulty.SendMessageAsync("wake swarm-2");

        var received = await setup.Queue.ReceiveMessagesAsync(maxMessages: 32);
        Assert.Equal(["wake swarm-2", "wake swarm-2"], received.Select(m => m.Text));
        Assert.Equal(2, received.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(
            [(FaultAction.DropAfterForwarding, (int?)201), (FaultAction.Forward, 201)],
            setup.Proxy.ExchangesFor("POST").Select(e => (e.Action, e.UpstreamStatus)));
    }

    /// <summary>A fresh queue, a proxy in front of Azurite's queue endpoint, and a client that goes through it.</summary>
    private sealed class FaultyQueue : IAsyncDisposable
    {
        private FaultyQueue(QueueClient queue, FaultProxy proxy, QueueClient faulty, StorageCallCounter calls)
        {
            Queue = queue;
            Proxy = proxy;
            Faulty = faulty;
            Calls = calls;
        }

        /// <summary>Direct to Azurite: arranges and verifies.</summary>
        public QueueClient Queue { get; }

        public FaultProxy Proxy { get; }

        /// <summary>The same queue through the proxy, with fast bounded retries.</summary>
        public QueueClient Faulty { get; }

        public StorageCallCounter Calls { get; }

        public static async Task<FaultyQueue> CreateAsync()
        {
            var name = "faults-" + Guid.NewGuid().ToString("N")[..20];
            var queue = new QueueClient(TestEnvironment.Storage, name);
            Assert.Equal(StorageOutcome.Succeeded, (await queue.CreateIfNotExistsAsync()).Outcome);
            var proxy = FaultProxy.Start(TestEnvironment.Storage.QueueEndpoint);
            var calls = new StorageCallCounter();
            var faulty = new QueueClient(TestEnvironment.StorageVia(queueEndpoint: proxy.Endpoint), name, TableFaultTests.FastRetries(calls));
            return new FaultyQueue(queue, proxy, faulty, calls);
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Queue.DeleteAsync();
        }
    }
}
