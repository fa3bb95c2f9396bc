using System.Text.Json;
using Coordination.Client;
using Coordination.Core.Events;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>The event-log operations of the SDK against the real app, and the live stream's resume after a drop.</summary>
public sealed class SdkEventTests
{
    [Fact]
    public async Task The_stream_resumes_after_a_cut_connection_with_Last_Event_ID_and_yields_every_event_once_in_order()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var writer = await swarm.JoinAsync("writer");
        await using var proxy = new CuttableProxy(app.BaseAddress.Port);
        using var reader = new CoordinationClient(proxy.Address, swarm.Created.Token, swarm.SwarmId);
        var start = (await writer.Messages.CatchUpAsync()).LastSequence;
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new List<SwarmEvent>();
        await using var stream = reader.Events.StreamAsync(start, bounded.Token).GetAsyncEnumerator(bounded.Token);

        await writer.Events.BroadcastAsync(new BroadcastRequest("demo.step", Data(1)));
        await writer.Events.BroadcastAsync(new BroadcastRequest("demo.step", Data(2)));
        received.AddRange(await TakeAsync(stream, 2));
        proxy.CutAll();
        await writer.Events.BroadcastAsync(new BroadcastRequest("demo.step", Data(3)));
        await writer.Events.BroadcastAsync(new BroadcastRequest("demo.step", Data(4)));
        received.AddRange(await TakeAsync(stream, 2));

        Assert.Equal([1, 2, 3, 4], received.Select(e => e.Data!.Value.GetProperty("n").GetInt32()));
        Assert.Equal(Enumerable.Range(1, 4).Select(i => start + i), received.Select(e => e.Sequence));
        Assert.True(proxy.Connections >= 2, $"the reader reconnected ({proxy.Connections} connections)");
        Assert.Contains(proxy.RequestHeads.Skip(1), head => head.Contains($"Last-Event-ID: {received[1].Sequence}", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Events_are_broadcast_queried_published_to_topics_and_read_through_a_subscription()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var agent = await swarm.JoinAsync("agent-1");

        var subscription = await agent.Events.CreateSubscriptionAsync(["topic.deploys", "demo.*"]);
        var accepted = await agent.Events.BroadcastAsync(new BroadcastRequest("demo.hello", Data(1), "greeting"));
        var published = await agent.Events.PublishAsync("deploys", new PublishRequest(Data(2)));
        await agent.Events.BroadcastAsync(new BroadcastRequest("other.noise"));
        var polled = await agent.Events.PollSubscriptionAsync(subscription.SubscriptionId, wait: 10);
        var acked = await agent.Events.AcknowledgeSubscriptionAsync(subscription.SubscriptionId, polled.NextCursor ?? subscription.Cursor);
        var queried = await agent.Events.QueryAsync(types: ["demo.hello", "topic.deploys"], actor: "agent-1");
        var negotiated = await agent.Events.NegotiateAsync();
        await agent.Events.DeleteSubscriptionAsync(subscription.SubscriptionId);
        var gone = await Assert.ThrowsAsync<CoordinationProblemException>(() => agent.Events.PollSubscriptionAsync(subscription.SubscriptionId));

        Assert.Equal(("demo.hello", "agent-1"), (accepted.Type, accepted.Actor));
        Assert.Equal("topic.deploys", published.Type);
        Assert.Equal(["demo.hello", "topic.deploys"], polled.Items.Select(e => e.Type));
        Assert.Equal(polled.NextCursor, acked.Cursor);
        Assert.Equal(["demo.hello", "topic.deploys"], queried.Items.Select(e => e.Type));
        Assert.Equal("sse", negotiated.Transport);
        Assert.Equal("not_found", gone.Code);
    }

    private static JsonElement Data(int n) => JsonSerializer.SerializeToElement(new { n });

    private static async Task<List<SwarmEvent>> TakeAsync(IAsyncEnumerator<SwarmEvent> stream, int count)
    {
        var taken = new List<SwarmEvent>();
        while (taken.Count < count && await stream.MoveNextAsync())
        {
            taken.Add(stream.Current);
        }
        return taken;
    }
}
