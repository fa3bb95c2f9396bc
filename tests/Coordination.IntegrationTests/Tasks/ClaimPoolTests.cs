using System.Net;
using System.Net.Http.Json;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>
/// The claim pool (ClaimCandidates): claimers in one process take different rows of one read of the queue's head, and
/// the pool never reorders the queue: a task made claimable here joins it at its place, and rows it holds that a claim
/// did not use go back in queue order. The call counts are in <c>StorageCallTests</c>.
/// </summary>
public sealed class ClaimPoolTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:ReportStorageCalls"] = "true" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Concurrent_claimers_in_one_process_take_different_tasks_without_a_lost_race()
    {
        var swarm = await _app.CreateSwarmAsync(maxAgents: 20);
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        for (var i = 0; i < 16; i++)
        {
            await coordinator.CreateTaskAsync(swarm, new { type = "fan", title = $"t{i}" });
        }
        var workers = new List<HttpClient>();
        for (var i = 0; i < 8; i++)
        {
            workers.Add(_app.ClientFor(await _app.JoinAsync(swarm, $"worker-{i}")));
        }

        var replies = await Task.WhenAll(workers.Select(w => w.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", new { types = new[] { "fan" } })));
        var claimed = new List<string>();
        foreach (var reply in replies)
        {
            var body = await SwarmApi.EnsureAsync(reply, HttpStatusCode.OK);
            claimed.Add((string)Assert.Single(body["items"]!.AsArray())!["taskId"]!);
            // Without the pool all eight take the head of the same query and seven lose the race on its ready row.
            Assert.Equal("0", reply.Headers.GetValues("X-Storage-Conflicts").Single());
        }
        Assert.Equal(8, claimed.Distinct().Count());
        workers.ForEach(w => w.Dispose());
    }

    [Fact]
    public async Task A_task_enqueued_after_the_pool_was_read_is_claimed_in_its_priority_order()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        for (var i = 0; i < 3; i++)
        {
            await coordinator.CreateTaskAsync(swarm, new { type = "ranked", title = $"low-{i}", priority = 1 });
        }
        Assert.Equal("low-0", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);   // reads the pool: low-1, low-2

        await coordinator.CreateTaskAsync(swarm, new { type = "ranked", title = "urgent", priority = 9 });
        Assert.Equal("urgent", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
        Assert.Equal("low-1", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
    }

    [Fact]
    public async Task A_task_assigned_to_another_agent_is_left_in_the_pool_for_it()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var alice = _app.ClientFor(await _app.JoinAsync(swarm, "alice"));
        using var bob = _app.ClientFor(await _app.JoinAsync(swarm, "bob"));
        await coordinator.CreateTaskAsync(swarm, new { type = "owned", title = "for bob", priority = 9, assignedTo = "bob" });
        await coordinator.CreateTaskAsync(swarm, new { type = "owned", title = "anyone", priority = 1 });

        Assert.Equal("anyone", (string?)Assert.Single(await alice.ClaimAsync(swarm))["title"]);
        Assert.Empty(await alice.ClaimAsync(swarm));
        Assert.Equal("for bob", (string?)Assert.Single(await bob.ClaimAsync(swarm))["title"]);
    }
}
