using System.Net;
using System.Text.Json.Nodes;
using Coordination.Functions.Features.Events;
using Coordination.Functions.Platform.Triggers;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Messaging;
using Coordination.IntegrationTests.Swarms;
using Coordination.Storage.WebPubSub;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Events;

/// <summary>
/// Real-time fan-out against a loopback server standing in for Web PubSub: negotiate hands out a token scoped to the
/// caller's swarm group, every sequenced event reaches the group, direct messages reach their recipient's user, and
/// sends that failed are retried by the dispatch path. Without Web PubSub configured, negotiate points at SSE.
/// </summary>
public sealed class RealtimeFanOutTests
{
    private const string Key = "fan-out-access-key-0123456789ABCDEFGHIJ=";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Negotiate_returns_a_client_url_whose_token_joins_only_the_callers_swarm_group()
    {
        await using var server = await RecordingServer.StartAsync();
        await using var app = await StartAsync(server);
        var swarm = await app.CreateSwarmAsync();
        var token = await app.JoinAsync(swarm, "watcher", "observer");

        var body = await app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/realtime/negotiate", token);

        Assert.Equal("webpubsub", (string)body["transport"]!);
        Assert.Equal($"ws://127.0.0.1:{server.Endpoint.Port}/client/hubs/coordination", (string)body["baseUrl"]!);
        Assert.Equal((string)body["baseUrl"]! + "?access_token=" + (string)body["token"]!, (string)body["url"]!);
        var claims = WebPubSubJwt.ReadClaims((string)body["token"]!);
        Assert.True(WebPubSubJwt.HasValidSignature((string)body["token"]!, Key));
        Assert.Equal($"http://127.0.0.1:{server.Endpoint.Port}/client/hubs/coordination", (string)claims["aud"]!);
        Assert.Equal($"{swarm.SwarmId}.watcher", (string)claims["sub"]!);
        Assert.Equal([$"webpubsub.joinLeaveGroup.swarm-{swarm.SwarmId}"], claims["role"]!.AsArray().Select(r => (string)r!));
        Assert.Equal([$"swarm-{swarm.SwarmId}"], claims["webpubsub.group"]!.AsArray().Select(g => (string)g!));
        Assert.InRange((long)claims["exp"]! - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3500, 3700);
    }

    [Fact]
    public async Task Without_web_pubsub_negotiate_points_at_the_sse_stream()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();

        var body = await app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/realtime/negotiate", swarm.CoordinatorToken);

        Assert.Equal("sse", (string)body["transport"]!);
        Assert.Equal($"/api/swarms/{swarm.SwarmId}/events/stream", (string)body["url"]!);
        Assert.Null(body["token"]);
    }

    [Fact]
    public async Task Every_event_reaches_the_swarm_group_in_order_direct_messages_reach_their_user_and_failed_sends_are_retried()
    {
        await using var server = await RecordingServer.StartAsync();
        await using var app = await StartAsync(server);
        var swarm = await app.CreateSwarmAsync();
        var alice = await app.JoinAsync(swarm, "alice");
        _ = await app.JoinAsync(swarm, "bob");
        var group = $"/api/hubs/coordination/groups/swarm-{swarm.SwarmId}/:send";

        var direct = (string)(await app.SendMessageAsync(swarm, alice, new { to = "bob", content = "hi" }))["messageId"]!;
        _ = await app.SendMessageAsync(swarm, alice, new { to = "*", content = "all" });
        var log = await app.ReadAllEventsAsync(swarm);
        Assert.True(await server.WaitUntilAsync(r => Published(r, group).Count >= log.Count, Wait), "the group did not receive every event");

        // Web PubSub refuses for a while: the writes still succeed at once, and the dispatch path sends what was missed.
        server.FailWith = 403;
        using (var broadcast = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events", alice, new { type = "while.down" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, broadcast.StatusCode);
        }
        log = await app.ReadAllEventsAsync(swarm);
        Assert.True(await server.WaitUntilAsync(r => r.Any(x => x.Body.Contains("while.down")), Wait), "no attempt to send the event");
        server.FailWith = null;
        var dispatch = app.Services.GetRequiredService<DispatchSwarmTrigger>();
        _ = await dispatch.RunAsync(new TriggerInvocation(DispatchSwarmTrigger.Name, System.Text.Json.JsonDocument.Parse($$"""{"swarmId":"{{swarm.SwarmId}}"}""").RootElement, false), CancellationToken.None);

        var delivered = Published(server.Requests.ToList(), group);
        var firstSeen = delivered.Select(e => (long)e["sequence"]!).Distinct().ToList();
        Assert.Equal(log.Select(e => (long)e["sequence"]!), firstSeen);   // every event, first seen in sequence order (repeats allowed)
        Assert.Equal(log.Select(e => (string)e["id"]!).Order(), delivered.Select(e => (string)e["id"]!).Distinct().Order());

        var toBob = server.Requests.Where(r => r.Path == $"/api/hubs/coordination/users/{swarm.SwarmId}.bob/:send").ToList();
        Assert.NotEmpty(toBob);
        var sentToBob = JsonNode.Parse(toBob[0].Body)!.AsArray().Single()!;
        Assert.Equal("message.sent", (string)sentToBob["type"]!);
        Assert.Equal(direct, (string)sentToBob["subject"]!);
        Assert.DoesNotContain(server.Requests, r => r.Path.Contains("/users/", StringComparison.Ordinal) && !r.Path.Contains(".bob/", StringComparison.Ordinal));
    }

    private static Task<RunningApp> StartAsync(RecordingServer server) =>
        RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:WebPubSubConnectionString"] = server.ConnectionString(Key) });

    /// <summary>Every event in the group sends that were accepted, in the order sent.</summary>
    private static List<JsonObject> Published(IReadOnlyList<RecordedRequest> requests, string groupPath) =>
        requests.Where(r => r.Path == groupPath && r.Status == 202)
            .SelectMany(r => JsonNode.Parse(r.Body)!.AsArray().Select(e => e!.AsObject())).ToList();
}
