using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.Core.Events;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Messaging;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Events;

/// <summary>Durable subscriptions and topics: exact matching in sequence order, acked cursors that survive a restart, long-poll, ownership.</summary>
public sealed class SubscriptionTests
{
    private static readonly string[][] Patterns =
    [
        ["*"], ["topic.*"], ["topic.deploys"], ["message.sent"], ["message.*"], ["agent.*"], ["custom.a"],
        ["custom.*", "topic.builds"], ["task.*"], ["agent.joined", "custom.b", "topic.deploys"],
    ];

    [Fact]
    public async Task Ten_subscribers_get_exactly_their_events_in_order_and_resume_after_a_restart_without_loss_or_duplicate()
    {
        var app = await RunningApp.StartAsync();
        try
        {
            var swarm = await app.CreateSwarmAsync();
            var subscribers = new List<Subscriber>();
            for (var i = 0; i < Patterns.Length; i++)
            {
                var token = await app.JoinAsync(swarm, $"sub-{i}", i % 3 == 0 ? "observer" : "worker");
                using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/subscriptions", token, new { patterns = Patterns[i] });
                var created = await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);
                subscribers.Add(new Subscriber(token, (string)created["subscriptionId"]!, Patterns[i], long.Parse((string)created["cursor"]!, CultureInfo.InvariantCulture)));
            }
            var writer = await app.JoinAsync(swarm, "writer");
            await WriteEventsAsync(app, swarm, writer, 0);
            foreach (var s in subscribers)
            {
                await s.ConsumeAsync(app, swarm, maxPolls: 2);   // part of the way, acking what it processed
            }

            app = await app.RestartAsync();
            await WriteEventsAsync(app, swarm, writer, 1);
            foreach (var s in subscribers)
            {
                await s.ConsumeAsync(app, swarm, maxPolls: 100);
            }

            var log = await app.ReadAllEventsAsync(swarm);
            foreach (var s in subscribers)
            {
                var patterns = s.Patterns.Select(p => new TypePattern(p)).ToList();
                var expected = log.Where(e => (long)e["sequence"]! > s.StartCursor && patterns.Any(p => p.Matches((string)e["type"]!)))
                    .Select(e => (long)e["sequence"]!).ToList();
                Assert.True(expected.SequenceEqual(s.Received), $"{string.Join(",", s.Patterns)}: expected [{string.Join(",", expected)}], got [{string.Join(",", s.Received)}]");
            }
            Assert.Contains(subscribers, s => s.Received.Count > 20);
            Assert.Contains(subscribers, s => s.Received.Count == 0);   // task.*: nothing matches yet
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_long_poll_returns_as_soon_as_a_matching_event_is_published_and_an_idle_one_ends_at_its_wait()
    {
        await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:EventPollMilliseconds"] = "30000" });
        var swarm = await app.CreateSwarmAsync();
        var token = await app.JoinAsync(swarm, "listener");
        var subId = await SubscribeAsync(app, swarm, token, "topic.deploys");

        var idle = Stopwatch.StartNew();
        var empty = await app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/subscriptions/{subId}/events?wait=1", token);
        Assert.Empty(empty["items"]!.AsArray());
        Assert.False((bool)empty["hasMore"]!);
        Assert.InRange(idle.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));

        var waiting = Stopwatch.StartNew();
        var poll = app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/subscriptions/{subId}/events?wait=20", token);
        await Task.Delay(300);
        await PublishAsync(app, swarm, token, "builds", 1);   // not matching: the poll keeps waiting
        await Task.Delay(300);
        Assert.False(poll.IsCompleted);
        await PublishAsync(app, swarm, token, "deploys", 2);
        var body = await poll;
        Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(10), $"took {waiting.Elapsed}");   // woken by the signal, not the 30 s poll
        var e = Assert.Single(body["items"]!.AsArray())!;
        Assert.Equal("topic.deploys", (string)e["type"]!);
        Assert.Equal(2, (int)e["data"]!["n"]!);
    }

    [Fact]
    public async Task The_cursor_never_moves_backwards_nor_past_the_log_and_only_the_owner_may_use_a_subscription()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var owner = await app.JoinAsync(swarm, "owner");
        var other = await app.JoinAsync(swarm, "other");
        var subId = await SubscribeAsync(app, swarm, owner, "*", cursor: "0");
        var path = $"api/swarms/{swarm.SwarmId}/subscriptions/{subId}";

        Assert.Equal("3", (string)(await AckAsync(app, owner, path, "3", HttpStatusCode.OK))["cursor"]!);
        Assert.Equal("3", (string)(await AckAsync(app, owner, path, "1", HttpStatusCode.OK))["cursor"]!);
        Assert.Equal("validation_failed", (string)(await AckAsync(app, owner, path, "1000", HttpStatusCode.BadRequest))["code"]!);
        Assert.Equal("not_owner", (string)(await AckAsync(app, other, path, "3", HttpStatusCode.Forbidden))["code"]!);
        foreach (var oldBody in new object[] { new { sequence = 3 }, new { cursor = 3 }, new { cursor = "three" } })
        {
            using var refused = await app.SendAsync(HttpMethod.Post, path + "/ack", owner, oldBody);
            await SwarmApi.EnsureProblemAsync(refused, HttpStatusCode.BadRequest, "validation_failed");
        }
        using (var poll = await app.SendAsync(HttpMethod.Get, path + "/events", other))
        {
            await SwarmApi.EnsureProblemAsync(poll, HttpStatusCode.Forbidden, "not_owner");
        }
        using (var delete = await app.SendAsync(HttpMethod.Delete, path, other))
        {
            await SwarmApi.EnsureProblemAsync(delete, HttpStatusCode.Forbidden, "not_owner");
        }
        var events = await app.GetJsonAsync(path + "/events", owner);
        Assert.Equal(4, (long)events["items"]![0]!["sequence"]!);
        using (var delete = await app.SendAsync(HttpMethod.Delete, path, owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        using (var gone = await app.SendAsync(HttpMethod.Get, path + "/events", owner))
        {
            await SwarmApi.EnsureProblemAsync(gone, HttpStatusCode.NotFound, "not_found");
        }
    }

    [Fact]
    public async Task Bad_patterns_topics_and_polls_are_validation_problems_and_topic_types_cannot_be_broadcast()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var token = await app.JoinAsync(swarm, "agent");
        object[] badSubscriptions =
        [
            new { patterns = Array.Empty<string>() }, new { patterns = new[] { "task.**" } }, new { patterns = new[] { "*.task" } },
            new { patterns = new[] { "a b" } }, new { patterns = Enumerable.Range(0, 21).Select(i => $"t{i}").ToArray() },
            new { patterns = new[] { "x" }, cursor = "-1" }, new { patterns = new[] { "x" }, cursor = "10000" }, new { patterns = new[] { "x" }, cursor = 0 },
            new { patterns = new[] { "x" }, after = 0 }, new { },
        ];
        foreach (var body in badSubscriptions)
        {
            using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/subscriptions", token, body);
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        }
        var subId = await SubscribeAsync(app, swarm, token, "x");
        foreach (var query in new[] { "limit=0", "limit=1001", "wait=31", "wait=-1" })
        {
            using var response = await app.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/subscriptions/{subId}/events?{query}", token);
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        }
        using (var badTopic = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/topics/-bad/events", token, new { data = 1 }))
        {
            await SwarmApi.EnsureProblemAsync(badTopic, HttpStatusCode.BadRequest, "validation_failed");
        }
        using (var forged = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", token, new { type = "topic.deploys" }))
        {
            await SwarmApi.EnsureProblemAsync(forged, HttpStatusCode.BadRequest, "validation_failed");
        }
        using (var missing = await app.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/subscriptions/sub_nothere/events", token))
        {
            await SwarmApi.EnsureProblemAsync(missing, HttpStatusCode.NotFound, "not_found");
        }
    }

    /// <summary>A mix of event types: broadcasts, topics, messages and acks, and a join.</summary>
    private static async Task WriteEventsAsync(RunningApp app, TestSwarm swarm, string writer, int round)
    {
        for (var i = 0; i < 4; i++)
        {
            await BroadcastAsync(app, swarm, writer, i % 2 == 0 ? "custom.a" : "custom.b");
            await PublishAsync(app, swarm, writer, i % 2 == 0 ? "deploys" : "builds", i);
            _ = await app.SendMessageAsync(swarm, writer, new { to = "sub-1", content = $"r{round} m{i}" });
        }
        _ = await app.JoinAsync(swarm, $"late-{round}");
        await BroadcastAsync(app, swarm, writer, "other.thing");
    }

    private static async Task BroadcastAsync(RunningApp app, TestSwarm swarm, string token, string type)
    {
        using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", token, new { type });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task PublishAsync(RunningApp app, TestSwarm swarm, string token, string topic, int n)
    {
        using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/topics/{topic}/events", token, new { data = new { n } });
        var body = await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("topic." + topic, (string)body["type"]!);
    }

    private static async Task<string> SubscribeAsync(RunningApp app, TestSwarm swarm, string token, string pattern, string? cursor = null)
    {
        using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/subscriptions", token,
            cursor is null ? new { patterns = new[] { pattern } } : new { patterns = new[] { pattern }, cursor });
        return (string)(await SwarmApi.EnsureAsync(response, HttpStatusCode.Created))["subscriptionId"]!;
    }

    private static async Task<JsonObject> AckAsync(RunningApp app, string token, string path, string cursor, HttpStatusCode expected)
    {
        using var response = await app.SendAsync(HttpMethod.Post, path + "/ack", token, new { cursor });
        return await SwarmApi.EnsureAsync(response, expected);
    }

    /// <summary>A subscriber that polls small pages, records what it got and acks nextCursor after each page.</summary>
    private sealed record Subscriber(string Token, string SubscriptionId, string[] Patterns, long StartCursor)
    {
        public List<long> Received { get; } = [];

        public async Task ConsumeAsync(RunningApp app, TestSwarm swarm, int maxPolls)
        {
            var path = $"api/swarms/{swarm.SwarmId}/subscriptions/{SubscriptionId}";
            for (var poll = 0; poll < maxPolls; poll++)
            {
                var page = await app.GetJsonAsync(path + "/events?limit=5", Token);
                var events = page["items"]!.AsArray();
                Received.AddRange(events.Select(e => (long)e!["sequence"]!));
                using var ack = await app.SendAsync(HttpMethod.Post, path + "/ack", Token, new { cursor = (string)page["nextCursor"]! });
                Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
                Assert.Equal(events.Count == 5, (bool)page["hasMore"]!);
                if (!(bool)page["hasMore"]!)
                {
                    return;
                }
            }
        }
    }
}
