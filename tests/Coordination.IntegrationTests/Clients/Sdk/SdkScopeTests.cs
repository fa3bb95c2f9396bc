using System.Text.Json;
using Coordination.Client;
using Coordination.Core.Tasks;
using Coordination.IntegrationTests.Infrastructure;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>The SDK's loops: a renewing lease scope, a lock scope under contention, and the worker loop.</summary>
public sealed class SdkScopeTests
{
    private const int LeaseSeconds = 5;   // the API's shortest lease

    [Fact]
    public async Task A_lease_scope_keeps_its_task_across_three_lease_lengths_and_then_completes_it()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var holder = await swarm.JoinAsync("holder");
        var rival = await swarm.JoinAsync("rival");
        await holder.Tasks.CreateAsync(new CreateTaskRequest("long", "takes a while"));

        TaskView completed;
        await using (var lease = await holder.Tasks.LeaseAsync(["long"], LeaseSeconds))
        {
            Assert.NotNull(lease);
            await Task.Delay(TimeSpan.FromSeconds(LeaseSeconds * 3 + 1));
            var rivalClaim = await rival.Tasks.ClaimAsync(new ClaimTasksRequest(["long"]));
            var during = await rival.Tasks.GetAsync(lease.TaskId);

            Assert.Empty(rivalClaim.Items);                       // without renewals the lease would have lapsed twice over
            Assert.Equal(("holder", lease.FencingToken), (during.Owner, during.FencingToken));
            Assert.True(lease.Renewals >= 3, $"renewed {lease.Renewals} times");
            Assert.False(lease.Lost.IsCancellationRequested);
            completed = await lease.CompleteAsync(JsonSerializer.SerializeToElement(new { done = true }));
        }

        Assert.Equal(TaskStatus.Completed, completed.Status);
        Assert.Equal(1, completed.Attempts);
    }

    [Fact]
    public async Task An_unsettled_lease_scope_releases_its_task_on_dispose()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker");
        var task = await worker.Tasks.CreateAsync(new CreateTaskRequest("t", "one"));

        await using (var lease = await worker.Tasks.LeaseAsync(["t"], LeaseSeconds))
        {
            Assert.Equal(task.TaskId, lease!.TaskId);
        }

        var after = await worker.Tasks.GetAsync(task.TaskId);
        Assert.Equal((TaskStatus.Pending, (string?)null), (after.Status, after.Owner));
    }

    [Fact]
    public async Task Twenty_concurrent_lock_scopes_hold_the_lock_one_at_a_time_as_the_event_log_shows()
    {
        const int Holders = 20;
        const string Resource = "file:shared/report.md";
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app, maxAgents: Holders + 1);
        var agents = await Task.WhenAll(Enumerable.Range(0, Holders).Select(i => swarm.JoinAsync($"agent-{i:00}")));

        var tokens = await Task.WhenAll(agents.Select(async agent =>
        {
            await using var scope = await agent.Locks.AcquireScopeAsync(Resource, ttlSeconds: 30, waitSeconds: 120);
            Assert.NotNull(scope);
            await Task.Delay(20);
            return scope.FencingToken;
        }));

        var log = (await app.ReadAllEventsAsync(new TestSwarm(swarm.SwarmId, swarm.Created.JoinCode, swarm.Created.Token)))
            .Where(e => (string?)e["subject"] == Resource && ((string)e["type"]!).StartsWith("lock.", StringComparison.Ordinal) && (string)e["type"]! != "lock.renewed")
            .ToList();
        Assert.Equal(Holders * 2, log.Count);
        string? holder = null;
        var lastToken = 0L;
        foreach (var e in log)
        {
            var actor = (string)e["actor"]!;
            if ((string)e["type"]! == "lock.acquired")
            {
                Assert.True(holder is null, $"{actor} acquired while {holder} held the lock (sequence {e["sequence"]})");
                var token = (long)e["data"]!["fencingToken"]!;
                Assert.True(token > lastToken, $"fencing token {token} after {lastToken}");
                (holder, lastToken) = (actor, token);
            }
            else
            {
                Assert.Equal(holder, actor);
                holder = null;
            }
        }
        Assert.Equal(Holders, tokens.Distinct().Count());
    }

    [Fact]
    public async Task The_worker_loop_completes_tasks_fails_throwing_handlers_retryably_even_on_their_own_timeouts_and_stops_when_cancelled()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker");
        var created = await worker.Tasks.CreateBulkAsync([.. Enumerable.Range(0, 4).Select(i => new CreateTaskRequest("job", $"job {i}"))]);
        var flaky = created.Tasks[2].TaskId;
        var timesOut = created.Tasks[3].TaskId;
        var attempts = new Dictionary<string, int>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var handled = await worker.Tasks.RunWorkerAsync(async (lease, ct) =>
        {
            attempts[lease.TaskId] = attempts.GetValueOrDefault(lease.TaskId) + 1;
            if (lease.TaskId == flaky && attempts[flaky] == 1)
            {
                throw new InvalidOperationException("first try fails");
            }
            if (lease.TaskId == timesOut && attempts[timesOut] == 1)
            {
                throw new TaskCanceledException("the work's own call timed out");   // cancelled, but not by the loop's token
            }
            if (lease.TaskId == created.Tasks[0].TaskId)
            {
                await lease.CompleteAsync(JsonSerializer.SerializeToElement("explicit"), ct);
            }
            if (attempts.Values.Sum() == 6)
            {
                await stop.CancelAsync();
            }
        }, ["job"], LeaseSeconds, wait: 1, stop.Token);

        var stats = await worker.Tasks.StatsAsync();
        Assert.Equal(6, handled);
        Assert.Equal((4, 0), (stats.Completed, stats.Claimed));
        Assert.Equal((2, 2), (attempts[flaky], attempts[timesOut]));
        Assert.Equal("first try fails", (await worker.Tasks.GetAsync(flaky)).LastError);
        Assert.Equal("explicit", (await worker.Tasks.GetAsync(created.Tasks[0].TaskId)).Result!.Value.GetString());
    }
}
