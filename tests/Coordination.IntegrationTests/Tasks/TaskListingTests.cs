using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>Cursor pagination, recovery, bulk creation and idempotency.</summary>
public sealed class TaskListingTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Cursor_pagination_returns_each_task_exactly_once_while_others_are_added()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var initial = new List<string>();
        for (var start = 0; start < 150; start += 50)
        {
            using var bulk = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/bulk",
                new { tasks = Enumerable.Range(start, 50).Select(i => new { type = "page", title = $"t{i}" }).ToArray() });
            initial.AddRange((await SwarmApi.EnsureAsync(bulk, HttpStatusCode.Created))["tasks"]!.AsArray().Select(t => (string)t!["taskId"]!));
        }
        using var stop = new CancellationTokenSource();
        var adder = Task.Run(async () =>
        {
            for (var i = 0; i < 40 && !stop.IsCancellationRequested; i++)
            {
                await client.CreateTaskAsync(swarm, new { type = "page", title = $"late-{i}" });
            }
        });
        var seen = new List<string>();
        string? cursor = null;
        for (var pages = 0; pages < 200; pages++)
        {
            var url = $"api/swarms/{swarm.SwarmId}/tasks?limit=7" + (cursor is null ? string.Empty : "&cursor=" + cursor);
            var page = JsonNode.Parse(await client.GetStringAsync(url))!;
            seen.AddRange(page["items"]!.AsArray().Select(t => (string)t!["taskId"]!));
            cursor = (string?)page["nextCursor"];
            if (cursor is null)
            {
                break;
            }
        }
        await stop.CancelAsync();
        await adder;
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(initial.Except(seen));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);   // creation order
    }

    [Fact]
    public async Task Recover_with_dry_run_lists_exactly_the_tasks_the_real_recover_then_moves()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var swarm = await app.CreateSwarmAsync();
        using var coordinator = app.ClientFor(swarm.CoordinatorToken);
        using var worker = app.ClientFor(await app.JoinAsync(swarm, "slow-worker"));
        for (var i = 0; i < 4; i++)
        {
            await coordinator.CreateTaskAsync(swarm, new { type = "long", title = $"long-{i}" });
        }
        var held = await worker.ClaimAsync(swarm, new { count = 3, leaseSeconds = 3600 });
        Assert.Equal(3, held.Count);
        clock.Advance(TimeSpan.FromSeconds(61));   // held for over a minute (the leases, an hour long, are still live)
        using var dry = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/recover", new { stuckThresholdMinutes = 1, dryRun = true });
        var preview = (await SwarmApi.EnsureAsync(dry, HttpStatusCode.OK))["tasks"]!.AsArray().Select(t => (string)t!).Order().ToList();
        Assert.Equal(held.Select(t => (string)t["taskId"]!).Order(), preview);
        Assert.Equal(3, (int)JsonNode.Parse(await coordinator.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["claimed"]!);

        using var real = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/recover", new { stuckThresholdMinutes = 1 });
        var moved = (await SwarmApi.EnsureAsync(real, HttpStatusCode.OK))["tasks"]!.AsArray().Select(t => (string)t!).Order().ToList();
        Assert.Equal(preview, moved);
        Assert.Equal(4, (int)JsonNode.Parse(await coordinator.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["pending"]!);
    }

    [Fact]
    public async Task Bulk_create_with_one_invalid_item_creates_none_and_names_its_index()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var items = Enumerable.Range(0, 10).Select(i => (object)new { type = "bulk", title = $"b{i}" }).ToList();
        items[6] = new { type = "bulk", title = "bad", priority = 12 };
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/bulk", new { tasks = items });
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("tasks[6].priority", (string?)problem["field"]);
        Assert.Equal(0, (int)JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["total"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.created"));
    }

    [Fact]
    public async Task A_bulk_create_answers_once_its_events_are_in_the_log()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var table = _app.Services.GetRequiredService<Coordination.Core.Storage.CoordinationStorage>().Table;
        // Eight at once keep the sequencer busy, so a create that answered at once would find its last events still queued.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async n =>
        {
            using var bulk = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/bulk",
                new { tasks = Enumerable.Range(0, 100).Select(i => new { type = "bulk", title = $"b{n}-{i}" }).ToArray() });
            var created = (await SwarmApi.EnsureAsync(bulk, HttpStatusCode.Created))["tasks"]!.AsArray().Select(t => (string)t!["taskId"]!).ToHashSet();
            // Straight from the table, not through the API (whose reads wait for this process's sequencing themselves).
            await foreach (var row in table.QueryAsync(Coordination.Core.Events.EventRows.PendingOutbox(swarm.SwarmId)))
            {
                Assert.DoesNotContain(Coordination.Core.Events.EventRows.FromOutbox(row).Content.Subject ?? string.Empty, created);
            }
        }));
    }

    [Fact]
    public async Task Repeating_a_create_with_the_same_idempotency_key_returns_the_same_task()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        JsonObject? first = null;
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/tasks") { Content = JsonContent.Create(new { type = "once", title = "only once" }) };
            request.Headers.Add("Idempotency-Key", "create-42");
            using var response = await client.SendAsync(request);
            var body = await SwarmApi.EnsureAsync(response, i == 0 ? HttpStatusCode.Created : HttpStatusCode.OK);
            first ??= body;
            Assert.Equal((string?)first["taskId"], (string?)body["taskId"]);
        }
        Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.created"));
        var bulkIds = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/tasks/bulk")
            {
                Content = JsonContent.Create(new { tasks = Enumerable.Range(0, 40).Select(n => new { type = "once", title = $"bulk-{n}" }).ToArray() }),
            };
            request.Headers.Add("Idempotency-Key", "bulk-7");
            using var response = await client.SendAsync(request);
            var ids = (await SwarmApi.EnsureAsync(response, i == 0 ? HttpStatusCode.Created : HttpStatusCode.OK))["tasks"]!.AsArray().Select(t => (string)t!["taskId"]!).ToList();
            Assert.True(bulkIds.Count == 0 || bulkIds.SequenceEqual(ids));
            bulkIds = ids;
        }
        Assert.Equal(41, (await _app.ReadAllEventsAsync(swarm, "task.created")).Count);
    }
}
