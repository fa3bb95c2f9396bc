using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>Claim order, filters, assignment, dependencies, leases and dead-letters.</summary>
public sealed class TaskQueueTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
    {
        ["Coordination:Schedules:SweepTaskLeases"] = "* * * * * *",
        ["Coordination:ReportStorageCalls"] = "true",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(TestSwarm Swarm, HttpClient A, HttpClient B)> SetUpAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(await _app.JoinAsync(swarm, "agent-a")), _app.ClientFor(await _app.JoinAsync(swarm, "agent-b")));
    }

    [Fact]
    public async Task A_single_claimer_sees_strict_priority_then_fifo_order()
    {
        var (swarm, a, _) = await SetUpAsync();
        var order = new[] { ("low-1", 2), ("crit-1", 9), ("normal-1", 5), ("crit-2", 9), ("low-2", 2), ("normal-2", 5) };
        foreach (var (title, priority) in order)
        {
            await a.CreateTaskAsync(swarm, new { type = "build", title, priority });
        }
        var claimed = new List<string>();
        for (var i = 0; i < order.Length; i++)
        {
            var task = Assert.Single(await a.ClaimAsync(swarm));
            claimed.Add((string)task["title"]!);
        }
        Assert.Equal(["crit-1", "crit-2", "normal-1", "normal-2", "low-1", "low-2"], claimed);
        Assert.Empty(await a.ClaimAsync(swarm));
    }

    [Fact]
    public async Task Priority_names_map_to_numbers_and_types_and_assignment_are_honoured()
    {
        var (swarm, a, b) = await SetUpAsync();
        var named = await a.CreateTaskAsync(swarm, new { type = "test", title = "named", priority = "critical" });
        Assert.Equal(9, (int)named["priority"]!);
        await a.CreateTaskAsync(swarm, new { type = "deploy", title = "for-b", assignedTo = "agent-b", priority = 9 });
        await a.CreateTaskAsync(swarm, new { type = "lint", title = "lint-1" });

        var lint = Assert.Single(await a.ClaimAsync(swarm, new { types = new[] { "lint" } }));
        Assert.Equal("lint-1", (string?)lint["title"]);
        var next = Assert.Single(await a.ClaimAsync(swarm, new { types = new[] { "deploy", "test" } }));
        Assert.Equal("named", (string?)next["title"]);   // the deploy task is assigned to agent-b
        Assert.Empty(await a.ClaimAsync(swarm, new { types = new[] { "deploy" } }));
        var assigned = Assert.Single(await b.ClaimAsync(swarm, new { types = new[] { "deploy" } }));
        Assert.Equal("for-b", (string?)assigned["title"]);
    }

    [Fact]
    public async Task A_dependent_task_is_blocked_until_its_last_dependency_completes_and_then_claimable_at_once()
    {
        var (swarm, a, _) = await SetUpAsync();
        var first = await a.CreateTaskAsync(swarm, new { type = "step", title = "first" });
        var second = await a.CreateTaskAsync(swarm, new { type = "step", title = "second" });
        var last = await a.CreateTaskAsync(swarm, new { type = "step", title = "last", dependencies = new[] { (string)first["taskId"]!, (string)second["taskId"]! } });
        Assert.Equal("blocked", (string?)last["status"]);
        Assert.Equal(2, last["blockedBy"]!.AsArray().Count);

        var claimedFirst = Assert.Single(await a.ClaimAsync(swarm));
        using (var done = await a.ActAsync(swarm, claimedFirst, "complete", new { leaseId = (string?)claimedFirst["leaseId"], result = new { ok = true } }))
        {
            await SwarmApi.EnsureAsync(done, HttpStatusCode.OK);
        }
        Assert.Equal("blocked", (string?)(await a.GetTaskAsync(swarm, (string)last["taskId"]!))["status"]);
        var claimedSecond = Assert.Single(await a.ClaimAsync(swarm));
        Assert.Equal("second", (string?)claimedSecond["title"]);
        using (var done = await a.ActAsync(swarm, claimedSecond, "complete"))
        {
            await SwarmApi.EnsureAsync(done, HttpStatusCode.OK);
        }
        // Claimable right after the completion's transaction: no sweep or timer in between.
        var claimedLast = Assert.Single(await a.ClaimAsync(swarm));
        Assert.Equal("last", (string?)claimedLast["title"]);
        var events = (await _app.ReadAllEventsAsync(swarm, "task.unblocked")).Select(e => (string)e["subject"]!).ToList();
        Assert.Equal([(string)last["taskId"]!], events);
    }

    [Fact]
    public async Task A_dead_lettered_dependency_leaves_its_dependents_blocked_and_visible_as_such()
    {
        var (swarm, a, _) = await SetUpAsync();
        var doomed = await a.CreateTaskAsync(swarm, new { type = "step", title = "doomed", maxAttempts = 1 });
        var waiting = await a.CreateTaskAsync(swarm, new { type = "step", title = "waiting", dependencies = new[] { (string)doomed["taskId"]! } });
        var claimed = Assert.Single(await a.ClaimAsync(swarm));
        using (var fail = await a.ActAsync(swarm, claimed, "fail", new { leaseId = (string?)claimed["leaseId"], error = "boom" }))
        {
            Assert.Equal("dead_lettered", (string?)(await SwarmApi.EnsureAsync(fail, HttpStatusCode.OK))["status"]);
        }
        var view = await a.GetTaskAsync(swarm, (string)waiting["taskId"]!);
        Assert.Equal("blocked", (string?)view["status"]);
        Assert.Equal([(string)doomed["taskId"]!], view["blockedBy"]!.AsArray().Select(x => (string)x!));
        Assert.Empty(await a.ClaimAsync(swarm));
        var stats = JsonNode.Parse(await a.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!;
        Assert.Equal(1, (int)stats["dead_lettered"]!);
        Assert.Equal(1, (int)stats["blocked"]!);
    }

    [Fact]
    public async Task A_stale_lease_is_lease_lost_a_non_holder_is_refused_and_a_coordinator_may_force()
    {
        var (swarm, a, b) = await SetUpAsync();
        await a.CreateTaskAsync(swarm, new { type = "job", title = "contested" });
        var held = Assert.Single(await a.ClaimAsync(swarm, new { leaseSeconds = 60 }));
        foreach (var action in new[] { "complete", "renew", "fail" })
        {
            using var stale = await a.ActAsync(swarm, held, action, new { leaseId = "lease_notthisone" });
            await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "lease_lost");
            using var wrongToken = await a.ActAsync(swarm, held, action, new { leaseId = (string?)held["leaseId"], fencingToken = (long)held["fencingToken"]! + 1 });
            await SwarmApi.EnsureProblemAsync(wrongToken, HttpStatusCode.Conflict, "lease_lost");
            using var other = await b.ActAsync(swarm, held, action, new { leaseId = (string?)held["leaseId"] });
            await SwarmApi.EnsureProblemAsync(other, HttpStatusCode.Forbidden, "not_holder");
        }
        using (var forceAsWorker = await b.ActAsync(swarm, held, "complete", new { force = true }))
        {
            await SwarmApi.EnsureProblemAsync(forceAsWorker, HttpStatusCode.Forbidden, "forbidden_role");
        }
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using (var forced = await coordinator.ActAsync(swarm, held, "complete", new { force = true }))
        {
            Assert.Equal("completed", (string?)(await SwarmApi.EnsureAsync(forced, HttpStatusCode.OK))["status"]);
        }
        using var late = await a.ActAsync(swarm, held, "renew");
        await SwarmApi.EnsureProblemAsync(late, HttpStatusCode.Conflict, "lease_lost");
    }

    [Fact]
    public async Task An_abandoned_lease_is_claimable_again_within_ttl_plus_sweep_period_with_a_higher_fencing_token()
    {
        var (swarm, a, b) = await SetUpAsync();
        await a.CreateTaskAsync(swarm, new { type = "job", title = "abandoned" });
        var first = Assert.Single(await a.ClaimAsync(swarm, new { leaseSeconds = 5 }));
        var abandonedAt = DateTimeOffset.UtcNow;
        List<JsonObject> again = [];
        while (again.Count == 0 && DateTimeOffset.UtcNow < abandonedAt.AddSeconds(5 + 1 + 4))
        {
            again = await b.ClaimAsync(swarm, new { wait = 2 });
        }
        var second = Assert.Single(again);
        Assert.Equal((long)first["fencingToken"]! + 1, (long)second["fencingToken"]!);
        Assert.Equal(2, (int)second["attempts"]!);
        using var stale = await a.ActAsync(swarm, first, "complete");
        await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "lease_lost");
        Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.expired"));
    }

    [Fact]
    public async Task Retryable_failures_retry_until_attempts_run_out_then_dead_letter_and_requeue_restores_it()
    {
        var (swarm, a, _) = await SetUpAsync();
        var task = await a.CreateTaskAsync(swarm, new { type = "flaky", title = "flaky", maxAttempts = 2 });
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var claimed = Assert.Single(await a.ClaimAsync(swarm));
            Assert.Equal(attempt, (int)claimed["attempts"]!);
            using var fail = await a.ActAsync(swarm, claimed, "fail", new { leaseId = (string?)claimed["leaseId"], error = $"try {attempt}" });
            Assert.Equal(attempt < 2 ? "pending" : "dead_lettered", (string?)(await SwarmApi.EnsureAsync(fail, HttpStatusCode.OK))["status"]);
        }
        Assert.Empty(await a.ClaimAsync(swarm));
        using (var requeue = await a.PostAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/requeue", null))
        {
            var view = await SwarmApi.EnsureAsync(requeue, HttpStatusCode.OK);
            Assert.Equal("pending", (string?)view["status"]);
            Assert.Equal(0, (int)view["attempts"]!);
        }
        Assert.Single(await a.ClaimAsync(swarm));
    }

    [Fact]
    public async Task A_blocking_claim_receives_a_new_task_well_before_its_wait_ends_and_returns_empty_when_nothing_comes()
    {
        var (swarm, a, b) = await SetUpAsync();
        var empty = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(await a.ClaimAsync(swarm, new { wait = 1 }));
        Assert.True(empty.Elapsed >= TimeSpan.FromSeconds(0.9));

        var waiting = a.ClaimAsync(swarm, new { wait = 30 });
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        var created = System.Diagnostics.Stopwatch.StartNew();
        await b.CreateTaskAsync(swarm, new { type = "job", title = "arrives" });
        var got = Assert.Single(await waiting);
        Assert.Equal("arrives", (string?)got["title"]);
        Assert.True(created.Elapsed < TimeSpan.FromSeconds(10), $"arrived after {created.Elapsed}");
    }

    [Fact]
    public async Task Uncontended_create_claim_and_complete_stay_within_their_storage_call_budgets()
    {
        var (swarm, a, _) = await SetUpAsync();
        await a.ClaimAsync(swarm);   // warm the authorization cache
        using var create = await a.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks", new { type = "job", title = "counted" });
        Assert.True(Calls(create) <= 1, $"create took {Calls(create)}");
        using var claim = await a.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", new { });
        Assert.True(Calls(claim) <= 2, $"claim took {Calls(claim)}");
        var task = (await SwarmApi.EnsureAsync(claim, HttpStatusCode.OK))["items"]![0]!.AsObject();
        using var complete = await a.ActAsync(swarm, task, "complete");
        Assert.True(Calls(complete) <= 2, $"complete took {Calls(complete)}");
    }

    private static int Calls(HttpResponseMessage response) => int.Parse(response.Headers.GetValues("X-Storage-Calls").Single(), System.Globalization.CultureInfo.InvariantCulture);
}
