using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.Core.Events;
using Coordination.Core.Storage;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Events;

/// <summary>
/// The paths that sequence events when the writer's own process does not: the coalesced wake-up message and
/// its DispatchSwarm queue trigger, and the SequenceOutbox timer — driven exactly as the Functions host drives them.
/// </summary>
public sealed class EventTriggerTests
{
    [Fact]
    public async Task Many_writes_queue_a_single_wake_up_message_for_the_swarm()
    {
        // As the Functions host starts it: no standalone poller consumes the wake-up queue.
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true);
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events", new { type = "burst", data = new { i } });
            await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
        }

        var queue = app.Services.GetRequiredService<CoordinationStorage>().WakeQueue;
        var wakeUps = new List<string>();
        for (var attempt = 0; attempt < 40 && wakeUps.Count == 0; attempt++)
        {
            await Task.Delay(250);   // wake-ups become visible after EventPump.WakeDelay
            wakeUps.AddRange((await queue.ReceiveAsync(32, TimeSpan.FromMinutes(5))).Select(m => m.Body.ToString()));
        }
        Assert.Single(wakeUps, text => text.Contains(swarm.SwarmId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_dispatch_trigger_sequences_outbox_rows_a_crashed_writer_left_behind()
    {
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true);
        var swarm = await app.CreateSwarmAsync();
        await WriteOrphanedOutboxRowAsync(app, swarm, "orphan.dispatch");

        var payload = new JsonObject
        {
            ["Data"] = new JsonObject { ["message"] = WakeUp.Serialize(swarm.SwarmId) },   // a string holding JSON, as the host sends it
            ["Metadata"] = new JsonObject { ["DequeueCount"] = 1, ["Id"] = Guid.NewGuid().ToString(), ["sys"] = new JsonObject { ["MethodName"] = "DispatchSwarm" } },
        };
        using var response = await app.Client.PostAsync("DispatchSwarm", new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
        Assert.Contains("1 events sequenced", (string?)body["Logs"]![0]);

        var orphan = Assert.Single(await app.ReadAllEventsAsync(swarm, "orphan.dispatch"));
        Assert.Equal(3, (long)orphan["sequence"]!);
    }

    [Fact]
    public async Task The_sequence_outbox_timer_is_the_safety_net_for_every_swarm()
    {
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true);
        var first = await app.CreateSwarmAsync();
        var second = await app.CreateSwarmAsync();
        await WriteOrphanedOutboxRowAsync(app, first, "orphan.timer");
        await WriteOrphanedOutboxRowAsync(app, second, "orphan.timer");

        var timer = """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"SequenceOutbox","UtcNow":"2026-01-01T00:00:20Z","RandGuid":"6f1c6c55-2d5a-4f53-9a43-1c6e6a3c8f10"}}}""";
        using var response = await app.Client.PostAsync("SequenceOutbox", new StringContent(timer, Encoding.UTF8, "application/json"));
        var body = await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
        Assert.Contains("2 events sequenced", (string?)body["Logs"]![0]);
        Assert.Single(await app.ReadAllEventsAsync(first, "orphan.timer"));
        Assert.Single(await app.ReadAllEventsAsync(second, "orphan.timer"));
    }

    [Fact]
    public async Task Standalone_the_queue_poller_runs_the_dispatch_trigger_from_a_real_wake_up_message()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await WriteOrphanedOutboxRowAsync(app, swarm, "orphan.queue");
        await app.Services.GetRequiredService<CoordinationStorage>().WakeQueue.SendAsync(WakeUp.Serialize(swarm.SwarmId));

        for (var attempt = 0; attempt < 50; attempt++)
        {
            if ((await app.ReadAllEventsAsync(swarm, "orphan.queue")).Count == 1)
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail("The standalone poller did not sequence the orphaned row within 10 s of its wake-up message.");
    }

    /// <summary>Commits an outbox row without telling any pump: what a process that died right after its commit leaves.</summary>
    private static async Task WriteOrphanedOutboxRowAsync(RunningApp app, TestSwarm swarm, string type)
    {
        await app.ReadAllEventsAsync(swarm);   // waits for the creator's own sequencing to finish
        var table = app.Services.GetRequiredService<CoordinationStorage>().Table;
        var row = EventRows.ToEntity(EventRows.NewOutbox(swarm.SwarmId, new PendingEvent(type, null, "{\"orphaned\":true}", "ghost"), DateTimeOffset.UtcNow));
        Assert.True((await table.AddEntityAsync(row)).Succeeded);
        Assert.Empty(await app.ReadAllEventsAsync(swarm, type));
    }
}
