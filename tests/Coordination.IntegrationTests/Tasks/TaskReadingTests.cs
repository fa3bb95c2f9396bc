using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>Snapshot, stats and the task event feed after a mix of transitions, and what a departing member gives back.</summary>
public sealed class TaskReadingTests : IAsyncLifetime
{
    private readonly ShiftableClock _clock = new();
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_snapshot_lists_every_task_compactly_in_creation_order()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        var ids = new List<string>();
        foreach (var (title, priority) in new[] { ("c", 1), ("a", 9), ("b", 5) })
        {
            ids.Add((string)(await coordinator.CreateTaskAsync(swarm, new { type = "snap", title, priority, description = "long text", payload = new { big = "data" } }))["taskId"]!);
        }
        Assert.Equal("a", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);

        var snapshot = JsonNode.Parse(await worker.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/snapshot"))!.AsObject();
        Assert.False((bool)snapshot["truncated"]!);
        var tasks = snapshot["items"]!.AsArray().Select(t => t!.AsObject()).ToList();
        Assert.Equal(ids, tasks.Select(t => (string)t["taskId"]!));
        Assert.Equal(["c", "a", "b"], tasks.Select(t => (string)t["title"]!));
        Assert.Equal(["pending", "claimed", "pending"], tasks.Select(t => (string)t["status"]!));
        Assert.Equal("worker", (string?)tasks[1]["owner"]);
        foreach (var task in tasks)
        {
            Assert.Null(task["payload"]);
            Assert.Null(task["description"]);
            Assert.NotNull(task["updatedAt"]);
        }
    }

    [Fact]
    public async Task Stats_count_each_state_after_a_mix_of_transitions()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        foreach (var (title, priority, maxAttempts) in new[] { ("complete", 9, 3), ("fail-for-good", 8, 3), ("dead-letter", 7, 1), ("hold", 6, 3), ("cancel", 1, 3), ("wait", 0, 3) })
        {
            await coordinator.CreateTaskAsync(swarm, new { type = "mix", title, priority, maxAttempts });
        }
        var claimed = await worker.ClaimAsync(swarm, new { count = 4 });
        Assert.Equal(["complete", "fail-for-good", "dead-letter", "hold"], claimed.Select(t => (string)t["title"]!));
        await ExpectOkAsync(worker.ActAsync(swarm, claimed[0], "complete"));
        await ExpectOkAsync(worker.ActAsync(swarm, claimed[1], "fail", new { leaseId = (string?)claimed[1]["leaseId"], error = "bad input", retryable = false }));
        await ExpectOkAsync(worker.ActAsync(swarm, claimed[2], "fail", new { leaseId = (string?)claimed[2]["leaseId"], error = "crashed" }));
        var cancel = JsonNode.Parse(await coordinator.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks?type=mix&limit=10"))!["items"]!.AsArray()
            .Single(t => (string?)t!["title"] == "cancel")!;
        await ExpectOkAsync(coordinator.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{cancel["taskId"]}", new { status = "cancelled" }));
        await coordinator.CreateTaskAsync(swarm, new { type = "mix", title = "blocked", dependencies = new[] { (string)claimed[3]["taskId"]! } });

        var stats = JsonNode.Parse(await worker.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!.AsObject();
        var expected = new Dictionary<string, int>
        {
            ["pending"] = 1, ["blocked"] = 1, ["claimed"] = 1, ["completed"] = 1, ["failed"] = 1, ["dead_lettered"] = 1, ["cancelled"] = 1, ["total"] = 7,
        };
        Assert.Equal(expected, expected.Keys.ToDictionary(k => k, k => (int)stats[k]!));
    }

    [Fact]
    public async Task The_task_event_feed_holds_only_task_events_after_a_sequence_and_since_a_time()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        var early = await coordinator.CreateTaskAsync(swarm, new { type = "feed", title = "early" });
        using (var broadcast = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events", new { type = "deploy.started", data = new { } }))
        {
            await SwarmApi.EnsureAsync(broadcast, HttpStatusCode.Accepted);
        }
        var all = await FeedAsync(worker, swarm, "");
        Assert.Equal(["task.created"], all.Select(e => (string)e["type"]!));
        var mark = (long)all[0]["sequence"]!;

        _clock.Advance(TimeSpan.FromMinutes(10));
        var since = _clock.GetUtcNow();
        var late = await coordinator.CreateTaskAsync(swarm, new { type = "feed", title = "late" });
        var claimed = Assert.Single(await worker.ClaimAsync(swarm));
        Assert.Equal((string?)early["taskId"], (string?)claimed["taskId"]);

        var afterMark = await FeedAsync(worker, swarm, $"cursor={mark}");
        Assert.Equal(["task.created", "task.claimed"], afterMark.Select(e => (string)e["type"]!));
        Assert.All(afterMark, e => Assert.True((long)e["sequence"]! > mark));
        var sinceTime = await FeedAsync(worker, swarm, "since=" + Uri.EscapeDataString(since.ToString("O")));
        Assert.Equal([(string)late["taskId"]!, (string)early["taskId"]!], sinceTime.Select(e => (string)e["subject"]!));
    }

    [Fact]
    public async Task A_departing_member_gives_back_its_claimed_tasks_and_its_assignments()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var leaving = _app.ClientFor(await _app.JoinAsync(swarm, "leaving"));
        using var staying = _app.ClientFor(await _app.JoinAsync(swarm, "staying"));
        await coordinator.CreateTaskAsync(swarm, new { type = "work", title = "held-1", priority = 9 });
        await coordinator.CreateTaskAsync(swarm, new { type = "work", title = "held-2", priority = 9 });
        var assigned = await coordinator.CreateTaskAsync(swarm, new { type = "work", title = "assigned", assignedTo = "leaving", priority = 1 });
        var held = await leaving.ClaimAsync(swarm, new { count = 2, types = new[] { "work" } });
        Assert.Equal(["held-1", "held-2"], held.Select(t => (string)t["title"]!));
        Assert.Empty(await staying.ClaimAsync(swarm));

        using (var leave = await leaving.DeleteAsync($"api/swarms/{swarm.SwarmId}/members/leaving"))
        {
            Assert.True(leave.IsSuccessStatusCode, $"leave answered {(int)leave.StatusCode}: {await leave.Content.ReadAsStringAsync()}");
        }
        var released = await _app.ReadAllEventsAsync(swarm, "task.released");
        Assert.Equal(held.Select(t => (string)t["taskId"]!).Order(), released.Select(e => (string)e["subject"]!).Order());
        Assert.All(released, e => Assert.Equal("member_left", (string?)e["data"]!["reason"]));
        Assert.Null((await coordinator.GetTaskAsync(swarm, (string)assigned["taskId"]!))["assignedTo"]);

        var taken = await staying.ClaimAsync(swarm, new { count = 10 });
        Assert.Equal(["held-1", "held-2", "assigned"], taken.Select(t => (string)t["title"]!));
        Assert.Equal([2, 2, 1], taken.Select(t => (int)t["attempts"]!));
    }

    private static async Task<List<JsonObject>> FeedAsync(HttpClient client, TestSwarm swarm, string query)
    {
        var page = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/events?{query}"))!;
        return page["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
    }

    private static async Task ExpectOkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }
}
