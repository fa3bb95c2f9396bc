using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>
/// Release, renew, expiry, stealing and claims of several tasks, on a clock the tests move. The app runs as the
/// Functions host starts it, so no background sweep runs: each test invokes SweepTaskLeases itself, as the host would.
/// </summary>
public sealed class TaskLeaseTests : IAsyncLifetime
{
    private readonly ShiftableClock _clock = new();
    private RunningApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await RunningApp.StartAsync(asFunctionsHost: true, configureServices: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(TestSwarm Swarm, HttpClient Coordinator, HttpClient A, HttpClient B)> SetUpAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(swarm.CoordinatorToken), _app.ClientFor(await _app.JoinAsync(swarm, "agent-a")), _app.ClientFor(await _app.JoinAsync(swarm, "agent-b")));
    }

    private async Task SweepAsync()
    {
        using var response = await _app.Client.PostAsJsonAsync("SweepTaskLeases", new { });
        await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Release_with_a_reason_returns_the_task_to_pending_records_the_reason_and_counts_the_attempt()
    {
        var (swarm, _, a, b) = await SetUpAsync();
        var task = await a.CreateTaskAsync(swarm, new { type = "job", title = "handed back" });
        var first = Assert.Single(await a.ClaimAsync(swarm));
        using (var release = await a.ActAsync(swarm, first, "release", new { leaseId = (string?)first["leaseId"], reason = "needs a GPU" }))
        {
            var view = await SwarmApi.EnsureAsync(release, HttpStatusCode.OK);
            Assert.Equal("pending", (string?)view["status"]);
            Assert.Equal(1, (int)view["attempts"]!);
            Assert.Null(view["owner"]);
            Assert.Null(view["leaseId"]);
        }
        var released = Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.released"));
        Assert.Equal("needs a GPU", (string?)released["data"]!["reason"]);
        Assert.Equal("agent-a", (string?)released["data"]!["owner"]);

        var second = Assert.Single(await b.ClaimAsync(swarm));
        Assert.Equal((string?)task["taskId"], (string?)second["taskId"]);
        Assert.Equal(2, (int)second["attempts"]!);
        Assert.Equal((long)first["fencingToken"]! + 1, (long)second["fencingToken"]!);
        using var stale = await a.ActAsync(swarm, first, "release", new { leaseId = (string?)first["leaseId"], reason = "again" });
        await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "lease_lost");
    }

    [Fact]
    public async Task Renew_extends_the_lease_and_the_sweep_does_not_end_a_renewed_lease_at_its_old_expiry()
    {
        var (swarm, _, a, b) = await SetUpAsync();
        await a.CreateTaskAsync(swarm, new { type = "job", title = "long" });
        var claimed = Assert.Single(await a.ClaimAsync(swarm, new { leaseSeconds = 30 }));
        var firstExpiry = (DateTimeOffset)claimed["leaseExpiresAt"]!;
        _clock.Advance(TimeSpan.FromSeconds(20));
        JsonObject renewed;
        using (var renew = await a.ActAsync(swarm, claimed, "renew", new { leaseId = (string?)claimed["leaseId"], leaseSeconds = 30 }))
        {
            renewed = await SwarmApi.EnsureAsync(renew, HttpStatusCode.OK);
        }
        var secondExpiry = (DateTimeOffset)renewed["leaseExpiresAt"]!;
        Assert.True(secondExpiry >= firstExpiry.AddSeconds(19), $"renewed to {secondExpiry:O}, first expiry {firstExpiry:O}");
        Assert.Equal((long)claimed["fencingToken"]!, (long)renewed["fencingToken"]!);

        _clock.Advance(TimeSpan.FromSeconds(15));   // past the first expiry, before the renewed one
        await SweepAsync();
        Assert.Empty(await b.ClaimAsync(swarm));
        Assert.Equal("claimed", (string?)(await a.GetTaskAsync(swarm, (string)claimed["taskId"]!))["status"]);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.expired"));

        _clock.Advance(TimeSpan.FromSeconds(20));   // past the renewed expiry
        await SweepAsync();
        var view = await a.GetTaskAsync(swarm, (string)claimed["taskId"]!);
        Assert.Equal("pending", (string?)view["status"]);
        Assert.Equal(1, (int)view["attempts"]!);
        Assert.Equal("pending", (string?)Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.expired"))["data"]!["next"]);
        using var late = await a.ActAsync(swarm, claimed, "complete");
        await SwarmApi.EnsureProblemAsync(late, HttpStatusCode.Conflict, "lease_lost");
    }

    [Fact]
    public async Task Claim_of_several_returns_up_to_that_many_in_priority_order_and_more_than_ten_is_refused()
    {
        var (swarm, _, a, _) = await SetUpAsync();
        foreach (var (title, priority) in new[] { ("p2", 2), ("p9", 9), ("p5", 5), ("p7", 7), ("p0", 0) })
        {
            await a.CreateTaskAsync(swarm, new { type = "batch", title, priority });
        }
        var three = await a.ClaimAsync(swarm, new { count = 3 });
        Assert.Equal(["p9", "p7", "p5"], three.Select(t => (string)t["title"]!));
        Assert.Equal(3, three.Select(t => (string)t["leaseId"]!).Distinct().Count());
        var rest = await a.ClaimAsync(swarm, new { count = 10 });
        Assert.Equal(["p2", "p0"], rest.Select(t => (string)t["title"]!));
        using var tooMany = await a.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", new { count = 11 });
        Assert.Equal("count", (string?)(await SwarmApi.EnsureProblemAsync(tooMany, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
    }

    [Fact]
    public async Task A_retried_task_shows_its_last_error_when_claimed_again()
    {
        var (swarm, _, a, b) = await SetUpAsync();
        await a.CreateTaskAsync(swarm, new { type = "flaky", title = "flaky" });
        var first = Assert.Single(await a.ClaimAsync(swarm));
        using (var fail = await a.ActAsync(swarm, first, "fail", new { leaseId = (string?)first["leaseId"], error = "disk full" }))
        {
            Assert.Equal("disk full", (string?)(await SwarmApi.EnsureAsync(fail, HttpStatusCode.OK))["lastError"]);
        }
        var second = Assert.Single(await b.ClaimAsync(swarm));
        Assert.Equal("disk full", (string?)second["lastError"]);   // the claim answers from the ready row: it must be a full copy
        Assert.Equal("disk full", (string?)(await b.GetTaskAsync(swarm, (string)second["taskId"]!))["lastError"]);
    }

    [Fact]
    public async Task A_claim_of_ten_takes_a_lapsed_priority_8_task_before_ready_tasks_of_lower_priority()
    {
        var (swarm, _, a, b) = await SetUpAsync();
        await a.CreateTaskAsync(swarm, new { type = "mixed", title = "p8", priority = 8 });
        Assert.Equal("p8", (string?)Assert.Single(await a.ClaimAsync(swarm, new { leaseSeconds = 5 }))["title"]);
        foreach (var priority in new[] { 6, 4, 2, 0 })
        {
            await a.CreateTaskAsync(swarm, new { type = "mixed", title = $"p{priority}", priority });
        }
        _clock.Advance(TimeSpan.FromSeconds(10));   // p8's lease lapsed; no sweep has run
        var claimed = await b.ClaimAsync(swarm, new { count = 10 });
        Assert.Equal(["p8", "p6", "p4", "p2", "p0"], claimed.Select(t => (string)t["title"]!));
        Assert.All(claimed, t => Assert.Equal("agent-b", (string?)t["owner"]));
        Assert.Equal(2, (int)claimed[0]["attempts"]!);
    }

    [Fact]
    public async Task A_claim_short_of_ready_tasks_ranks_every_lapsed_lease_it_finds_with_them()
    {
        var (swarm, _, a, b) = await SetUpAsync();
        await a.CreateTaskAsync(swarm, new { type = "mixed", title = "p8", priority = 8 });
        await a.CreateTaskAsync(swarm, new { type = "mixed", title = "p7", priority = 7 });
        Assert.Equal(2, (await a.ClaimAsync(swarm, new { count = 2, leaseSeconds = 5 })).Count);
        await a.CreateTaskAsync(swarm, new { type = "mixed", title = "p6", priority = 6 });
        await a.CreateTaskAsync(swarm, new { type = "mixed", title = "p4", priority = 4 });
        _clock.Advance(TimeSpan.FromSeconds(10));   // both leases lapsed; no sweep has run
        Assert.Equal(["p8", "p7", "p6"], (await b.ClaimAsync(swarm, new { count = 3 })).Select(t => (string)t["title"]!));
        Assert.Equal("p4", (string?)Assert.Single(await b.ClaimAsync(swarm, new { count = 3 }))["title"]);
    }

    [Fact]
    public async Task An_expired_lease_is_stolen_only_by_an_agent_the_task_is_assigned_to()
    {
        var (swarm, coordinator, a, b) = await SetUpAsync();
        var task = await a.CreateTaskAsync(swarm, new { type = "job", title = "pinned" });
        var first = Assert.Single(await a.ClaimAsync(swarm, new { leaseSeconds = 5 }));
        // Pinned to its holder while claimed: only agent-a may have it from now on.
        using (var pin = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/reassign", new { assignedTo = "agent-a" }))
        {
            Assert.Equal("claimed", (string?)(await SwarmApi.EnsureAsync(pin, HttpStatusCode.OK))["status"]);
        }
        _clock.Advance(TimeSpan.FromSeconds(10));   // expired; no sweep has run
        Assert.Empty(await b.ClaimAsync(swarm));
        var stolen = Assert.Single(await a.ClaimAsync(swarm));
        Assert.Equal((long)first["fencingToken"]! + 1, (long)stolen["fencingToken"]!);
        Assert.Equal("agent-a", (string?)stolen["owner"]);
    }
}
