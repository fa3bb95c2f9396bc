using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>When a task becomes claimable: notBefore, dependencies, and both across cancel and un-cancel, on a clock the tests move.</summary>
public sealed class TaskSchedulingTests : IAsyncLifetime
{
    private readonly ShiftableClock _clock = new();
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(asFunctionsHost: true,
        settings: new Dictionary<string, string> { ["Coordination:EventPollMilliseconds"] = "200" },
        configureServices: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(TestSwarm Swarm, HttpClient Coordinator, HttpClient Worker)> SetUpAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(swarm.CoordinatorToken), _app.ClientFor(await _app.JoinAsync(swarm, "worker")));
    }

    [Fact]
    public async Task A_task_is_not_claimable_before_its_not_before_and_a_waiting_claimer_gets_it_after()
    {
        var (swarm, coordinator, worker) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "later", title = "later", notBefore = _clock.GetUtcNow().AddSeconds(10) });
        Assert.Equal("pending", (string?)task["status"]);
        Assert.Empty(await worker.ClaimAsync(swarm));

        var waiting = worker.ClaimAsync(swarm, new { wait = 30 });
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(11));
        var finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(waiting, finished);
        Assert.Equal((string?)task["taskId"], (string?)Assert.Single(await waiting)["taskId"]);
    }

    [Fact]
    public async Task An_unblocked_dependent_still_waits_for_its_not_before()
    {
        var (swarm, coordinator, worker) = await SetUpAsync();
        var first = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "first" });
        var later = await coordinator.CreateTaskAsync(swarm, new
        {
            type = "step", title = "later", dependencies = new[] { (string)first["taskId"]! }, notBefore = _clock.GetUtcNow().AddMinutes(5),
        });
        await CompleteAsync(swarm, worker, "first");
        Assert.Equal("pending", (string?)(await worker.GetTaskAsync(swarm, (string)later["taskId"]!))["status"]);
        Assert.Empty(await worker.ClaimAsync(swarm));
        _clock.Advance(TimeSpan.FromMinutes(5).Add(TimeSpan.FromSeconds(1)));
        Assert.Equal("later", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
    }

    [Fact]
    public async Task Cancel_takes_a_pending_task_out_of_the_queue_and_un_cancel_puts_it_back_keeping_its_not_before()
    {
        var (swarm, coordinator, worker) = await SetUpAsync();
        var soon = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "soon", notBefore = _clock.GetUtcNow().AddMinutes(1) });
        var now = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "now" });
        Assert.Equal("cancelled", (string?)(await PatchAsync(swarm, coordinator, now, new { status = "cancelled" }))["status"]);
        Assert.Equal("cancelled", (string?)(await PatchAsync(swarm, coordinator, soon, new { status = "cancelled" }))["status"]);
        Assert.Empty(await worker.ClaimAsync(swarm));

        Assert.Equal("pending", (string?)(await PatchAsync(swarm, coordinator, soon, new { status = "pending" }))["status"]);
        Assert.Empty(await worker.ClaimAsync(swarm));   // un-cancelled, but still not before its time
        Assert.Equal("pending", (string?)(await PatchAsync(swarm, coordinator, now, new { status = "pending" }))["status"]);
        Assert.Equal("now", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
        _clock.Advance(TimeSpan.FromMinutes(1).Add(TimeSpan.FromSeconds(1)));
        Assert.Equal("soon", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);

        var types = (await _app.ReadAllEventsAsync(swarm)).Select(e => (string)e["type"]!).Where(t => t.StartsWith("task.", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, types.Count(t => t == "task.cancelled"));
        Assert.Equal(2, types.Count(t => t == "task.updated"));
    }

    [Fact]
    public async Task A_blocked_task_cancelled_and_un_cancelled_is_blocked_again_or_pending_if_its_dependency_completed_meanwhile()
    {
        var (swarm, coordinator, worker) = await SetUpAsync();
        var first = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "first" });
        var then = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "then", dependencies = new[] { (string)first["taskId"]! } });
        Assert.Equal("cancelled", (string?)(await PatchAsync(swarm, coordinator, then, new { status = "cancelled" }))["status"]);
        Assert.Equal("blocked", (string?)(await PatchAsync(swarm, coordinator, then, new { status = "pending" }))["status"]);

        Assert.Equal("cancelled", (string?)(await PatchAsync(swarm, coordinator, then, new { status = "cancelled" }))["status"]);
        await CompleteAsync(swarm, worker, "first");
        Assert.Equal("cancelled", (string?)(await worker.GetTaskAsync(swarm, (string)then["taskId"]!))["status"]);
        Assert.Empty(await worker.ClaimAsync(swarm));
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.unblocked"));

        // Its only dependency is done: un-cancelling makes it claimable, not blocked forever.
        var back = await PatchAsync(swarm, coordinator, then, new { status = "pending" });
        Assert.Equal("pending", (string?)back["status"]);
        Assert.Empty(back["blockedBy"]!.AsArray());
        Assert.Equal("then", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
    }

    [Fact]
    public async Task Only_a_pending_or_blocked_task_can_be_cancelled_and_only_a_cancelled_one_un_cancelled()
    {
        var (swarm, coordinator, worker) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "busy" });
        var claimed = Assert.Single(await worker.ClaimAsync(swarm));
        using (var cancel = await coordinator.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", new { status = "cancelled" }))
        {
            var problem = await SwarmApi.EnsureProblemAsync(cancel, HttpStatusCode.Conflict, "invalid_transition");
            Assert.Equal("claimed", (string?)problem["taskStatus"]);   // not "status": that member is the HTTP status
        }
        using (var toBlocked = await coordinator.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", new { status = "completed" }))
        {
            await SwarmApi.EnsureProblemAsync(toBlocked, HttpStatusCode.Conflict, "invalid_transition");
        }
        using (var byWorker = await worker.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", new { title = "mine now" }))
        {
            await SwarmApi.EnsureProblemAsync(byWorker, HttpStatusCode.Forbidden, "forbidden_role");
        }
        Assert.Equal("busy", (string?)(await worker.GetTaskAsync(swarm, (string)task["taskId"]!))["title"]);
        using var done = await worker.ActAsync(swarm, claimed, "complete");
        await SwarmApi.EnsureAsync(done, HttpStatusCode.OK);
    }

    private static async Task<JsonObject> PatchAsync(TestSwarm swarm, HttpClient client, JsonObject task, object body)
    {
        using var response = await client.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", body);
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }

    private static async Task CompleteAsync(TestSwarm swarm, HttpClient worker, string title)
    {
        var claimed = Assert.Single(await worker.ClaimAsync(swarm));
        Assert.Equal(title, (string?)claimed["title"]);
        using var done = await worker.ActAsync(swarm, claimed, "complete");
        await SwarmApi.EnsureAsync(done, HttpStatusCode.OK);
    }
}
