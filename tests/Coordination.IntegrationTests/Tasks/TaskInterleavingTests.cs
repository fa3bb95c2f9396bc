using System.Net;
using System.Net.Http.Json;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>
/// Races between two task operations, played in a fixed order: a <see cref="StorageGate"/> holds one operation's
/// transaction while the other commits, then lets it go. Each test names the interleaving it pins down.
/// </summary>
public sealed class TaskInterleavingTests : IAsyncLifetime
{
    private readonly StorageGate _gate = new();
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(configureServices: _gate.Install);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_complete_that_races_a_new_dependent_still_completes_and_unblocks_it()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        var first = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "first" });
        var claimed = Assert.Single(await worker.ClaimAsync(swarm));

        // The complete has read the task (no dependents yet); a dependent registers itself before the complete commits.
        using var hold = _gate.HoldNextTransaction("task.completed", (string)first["taskId"]!);
        var completing = worker.ActAsync(swarm, claimed, "complete", new { leaseId = (string?)claimed["leaseId"], result = new { ok = true } });
        await hold.Reached;
        var dependent = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "then", dependencies = new[] { (string)first["taskId"]! } });
        Assert.Equal("blocked", (string?)dependent["status"]);
        hold.Release();

        using (var completed = await completing)
        {
            // The lease was never lost: the holder must not be told so (it would throw its result away).
            Assert.Equal("completed", (string?)(await SwarmApi.EnsureAsync(completed, HttpStatusCode.OK))["status"]);
        }
        Assert.Equal("pending", (string?)(await coordinator.GetTaskAsync(swarm, (string)dependent["taskId"]!))["status"]);
        Assert.Equal("then", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
        Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.completed"));
    }

    [Fact]
    public async Task A_complete_that_races_the_deletion_of_a_dependent_still_completes()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        var first = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "first" });
        var doomed = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "doomed", dependencies = new[] { (string)first["taskId"]! } });
        var kept = await coordinator.CreateTaskAsync(swarm, new { type = "step", title = "kept", dependencies = new[] { (string)first["taskId"]! } });
        var claimed = Assert.Single(await worker.ClaimAsync(swarm));

        // The complete has read both dependents and is about to count them down; one of them is deleted first.
        using var hold = _gate.HoldNextTransaction("task.completed", (string)first["taskId"]!);
        var completing = worker.ActAsync(swarm, claimed, "complete");
        await hold.Reached;
        using (var delete = await coordinator.DeleteAsync($"api/swarms/{swarm.SwarmId}/tasks/{doomed["taskId"]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        hold.Release();

        using (var completed = await completing)
        {
            Assert.Equal("completed", (string?)(await SwarmApi.EnsureAsync(completed, HttpStatusCode.OK))["status"]);
        }
        Assert.Equal("kept", (string?)Assert.Single(await worker.ClaimAsync(swarm))["title"]);
    }

    [Fact]
    public async Task A_renew_fail_or_release_that_races_a_coordinator_edit_keeps_the_lease()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var worker = _app.ClientFor(await _app.JoinAsync(swarm, "worker"));
        foreach (var (action, eventType, status) in new[] { ("renew", "task.renewed", "claimed"), ("fail", "task.failed", "pending"), ("release", "task.released", "pending") })
        {
            var task = await coordinator.CreateTaskAsync(swarm, new { type = action, title = action });
            var claimed = Assert.Single(await worker.ClaimAsync(swarm, new { types = new[] { action } }));
            using var hold = _gate.HoldNextTransaction(eventType, (string)task["taskId"]!);
            var acting = worker.ActAsync(swarm, claimed, action, new { leaseId = (string?)claimed["leaseId"] });
            await hold.Reached;
            using (var edit = await coordinator.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", new { title = $"{action} (edited)" }))
            {
                await SwarmApi.EnsureAsync(edit, HttpStatusCode.OK);
            }
            hold.Release();
            using var acted = await acting;
            var view = await SwarmApi.EnsureAsync(acted, HttpStatusCode.OK);
            Assert.Equal(status, (string?)view["status"]);
            Assert.Equal($"{action} (edited)", (string?)view["title"]);
        }
    }

    [Fact]
    public async Task A_departure_that_races_edits_still_gives_back_the_claimed_task_and_the_assignment()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var leaving = _app.ClientFor(await _app.JoinAsync(swarm, "leaving"));
        using var staying = _app.ClientFor(await _app.JoinAsync(swarm, "staying"));
        var held = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "held", priority = 9 });
        var assigned = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "assigned", assignedTo = "leaving", priority = 1 });
        Assert.Equal("held", (string?)Assert.Single(await leaving.ClaimAsync(swarm))["title"]);

        // Each of the departure's writes is held while a coordinator edits the same task.
        using var returning = _gate.HoldNextTransaction("member_left", (string)held["taskId"]!);
        using var unassigning = _gate.HoldNextTransaction("task.reassigned", (string)assigned["taskId"]!);
        var leave = leaving.DeleteAsync($"api/swarms/{swarm.SwarmId}/members/leaving");
        foreach (var (hold, task) in new[] { (returning, held), (unassigning, assigned) })
        {
            await hold.Reached;
            using (var edit = await coordinator.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", new { description = "edited meanwhile" }))
            {
                await SwarmApi.EnsureAsync(edit, HttpStatusCode.OK);
            }
            hold.Release();
        }
        using (var left = await leave)
        {
            Assert.True(left.IsSuccessStatusCode, $"leave answered {(int)left.StatusCode}: {await left.Content.ReadAsStringAsync()}");
        }

        var taken = await staying.ClaimAsync(swarm, new { count = 10 });
        Assert.Equal(["held", "assigned"], taken.Select(t => (string)t["title"]!));
        Assert.All(taken, t => Assert.Equal("edited meanwhile", (string?)t["description"]));
    }

    [Fact]
    public async Task A_forced_reassignment_hands_the_task_to_the_new_assignee_with_no_window_for_another_claimer()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using var holder = _app.ClientFor(await _app.JoinAsync(swarm, "agent-y"));
        using var bystander = _app.ClientFor(await _app.JoinAsync(swarm, "agent-z"));
        using var assignee = _app.ClientFor(await _app.JoinAsync(swarm, "agent-x"));
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "moving" });
        var held = Assert.Single(await holder.ClaimAsync(swarm));

        using var hold = _gate.HoldNextTransaction("task.reassigned", (string)task["taskId"]!);
        var reassigning = coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/reassign", new { assignedTo = "agent-x", force = true });
        await hold.Reached;
        // While the reassignment is in flight, neither a bystander nor the holder may pick the task up.
        Assert.Empty(await bystander.ClaimAsync(swarm));
        Assert.Empty(await holder.ClaimAsync(swarm));
        hold.Release();
        using (var reassigned = await reassigning)
        {
            var view = await SwarmApi.EnsureAsync(reassigned, HttpStatusCode.OK);
            Assert.Equal("pending", (string?)view["status"]);
            Assert.Equal("agent-x", (string?)view["assignedTo"]);
        }
        Assert.Empty(await bystander.ClaimAsync(swarm));
        Assert.Equal((string?)task["taskId"], (string?)Assert.Single(await assignee.ClaimAsync(swarm))["taskId"]);
        using var stale = await holder.ActAsync(swarm, held, "complete");
        await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "lease_lost");
    }
}
