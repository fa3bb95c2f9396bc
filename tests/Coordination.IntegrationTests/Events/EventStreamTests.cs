using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Events;

/// <summary>The Server-Sent Events stream: live delivery, and resume by Last-Event-ID without loss or duplicate.</summary>
public sealed class EventStreamTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_client_that_disconnects_and_resumes_with_last_event_id_receives_every_event_exactly_once()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var writerToken = await app.JoinAsync(swarm, "writer");
        using var writer = app.ClientFor(writerToken);
        using var reader = app.ClientFor(swarm.CoordinatorToken);
        var url = $"api/swarms/{swarm.SwarmId}/events/stream?cursor=3";   // after swarm.created and the two joins

        var received = new List<SseEvent>();
        await using (var first = await SseReader.OpenAsync(reader, url))
        {
            Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
            Assert.Equal("text/event-stream", first.Response.Content.Headers.ContentType?.MediaType);
            await BroadcastAsync(writer, swarm, 0, 10);
            while (received.Count < 6 && await first.NextAsync(Wait) is { } e)
            {
                received.Add(e);
            }
        }   // disconnect mid-stream: four of the first ten are still unread, more follow while away

        await BroadcastAsync(writer, swarm, 10, 10);
        await using (var second = await SseReader.OpenAsync(reader, url, lastEventId: received[^1].Id))
        {
            await BroadcastAsync(writer, swarm, 20, 5);
            while (received.Count < 25 && await second.NextAsync(Wait) is { } e)
            {
                received.Add(e);
            }
        }

        var numbers = received.Select(e => (int)JsonNode.Parse(e.Data)!["data"]!["n"]!).ToList();
        Assert.Equal(Enumerable.Range(0, 25), numbers);
        var ids = received.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(4, 25).Select(i => (long)i), ids);
        Assert.All(received, e => Assert.Equal("stream.test", e.Event));
    }

    [Fact]
    public async Task A_live_subscriber_is_woken_by_a_new_event_not_by_the_poll()
    {
        // With a 30 s poll, only the in-process signal can deliver within the 10 s wait.
        await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:EventPollMilliseconds"] = "30000" });
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        await using var stream = await SseReader.OpenAsync(client, $"api/swarms/{swarm.SwarmId}/events/stream?cursor=2");
        await Task.Delay(500);   // let the stream go idle, waiting on the signal
        await BroadcastAsync(client, swarm, 0, 1);
        var e = await stream.NextAsync(Wait);
        Assert.NotNull(e);
        Assert.Equal("stream.test", e.Event);
    }

    [Fact]
    public async Task A_malformed_last_event_id_or_cursor_is_a_validation_problem()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/events/stream");
        request.Headers.Add("Last-Event-ID", "yesterday");
        using var response = await client.SendAsync(request);
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        using var badCursor = await client.GetAsync($"api/swarms/{swarm.SwarmId}/events/stream?cursor=yesterday");
        Assert.Equal("cursor", (string?)(await SwarmApi.EnsureProblemAsync(badCursor, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
    }

    private static async Task BroadcastAsync(HttpClient client, TestSwarm swarm, int from, int count)
    {
        for (var n = from; n < from + count; n++)
        {
            using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events", new { type = "stream.test", data = new { n } });
            await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
        }
    }
}
