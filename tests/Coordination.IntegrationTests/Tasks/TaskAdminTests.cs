using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>The coordinator's operations on tasks: edits, reassignment and deletion.</summary>
public sealed class TaskAdminTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(TestSwarm Swarm, HttpClient Coordinator, HttpClient X, HttpClient Y)> SetUpAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(swarm.CoordinatorToken), _app.ClientFor(await _app.JoinAsync(swarm, "agent-x")), _app.ClientFor(await _app.JoinAsync(swarm, "agent-y")));
    }

    [Fact]
    public async Task A_coordinator_edits_title_description_and_priority_and_a_priority_change_reorders_claims()
    {
        var (swarm, coordinator, x, _) = await SetUpAsync();
        await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "urgent-ish", priority = 7 });
        var sleeper = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "sleeper", priority = 2 });
        var edited = await PatchAsync(swarm, coordinator, sleeper, new { title = "now critical", description = "reprioritised", priority = "critical" });
        Assert.Equal("now critical", (string?)edited["title"]);
        Assert.Equal("reprioritised", (string?)edited["description"]);
        Assert.Equal(9, (int)edited["priority"]!);

        var first = Assert.Single(await x.ClaimAsync(swarm));
        Assert.Equal((string?)sleeper["taskId"], (string?)first["taskId"]);
        Assert.Equal("now critical", (string?)first["title"]);
        Assert.Equal("reprioritised", (string?)first["description"]);
        Assert.Equal("urgent-ish", (string?)Assert.Single(await x.ClaimAsync(swarm))["title"]);
        var updated = Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.updated"));
        Assert.Equal(9, (int)updated["data"]!["priority"]!);
    }

    [Fact]
    public async Task An_un_cancelled_task_can_be_edited_reassigned_cancelled_again_and_deleted()
    {
        var (swarm, coordinator, x, _) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "on and off" });
        Assert.Equal("cancelled", (string?)(await PatchAsync(swarm, coordinator, task, new { status = "cancelled" }))["status"]);
        Assert.Equal("pending", (string?)(await PatchAsync(swarm, coordinator, task, new { status = "pending" }))["status"]);

        // Each of these finds the ready row where the task row says it is.
        Assert.Equal(8, (int)(await PatchAsync(swarm, coordinator, task, new { title = "edited", priority = 8 }))["priority"]!);
        Assert.Equal("agent-x", (string?)(await ReassignAsync(swarm, coordinator, task, new { assignedTo = "agent-x" }))["assignedTo"]);
        Assert.Equal("cancelled", (string?)(await PatchAsync(swarm, coordinator, task, new { status = "cancelled" }))["status"]);
        Assert.Empty(await x.ClaimAsync(swarm));
        Assert.Equal("pending", (string?)(await PatchAsync(swarm, coordinator, task, new { status = "pending" }))["status"]);
        using (var delete = await coordinator.DeleteAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        Assert.Empty(await x.ClaimAsync(swarm));
    }

    [Fact]
    public async Task Reassigning_a_pending_task_lets_only_the_assignee_claim_it_and_unassigning_frees_it()
    {
        var (swarm, coordinator, x, y) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "for x" });
        Assert.Equal("agent-x", (string?)(await ReassignAsync(swarm, coordinator, task, new { assignedTo = "agent-x" }))["assignedTo"]);
        Assert.Empty(await y.ClaimAsync(swarm));
        Assert.Null((await ReassignAsync(swarm, coordinator, task, new { assignedTo = (string?)null }))["assignedTo"]);
        Assert.Equal((string?)task["taskId"], (string?)Assert.Single(await y.ClaimAsync(swarm))["taskId"]);

        var other = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "for x again" });
        await ReassignAsync(swarm, coordinator, other, new { assignedTo = "agent-x" });
        Assert.Empty(await y.ClaimAsync(swarm));
        Assert.Equal((string?)other["taskId"], (string?)Assert.Single(await x.ClaimAsync(swarm))["taskId"]);
        Assert.Equal(3, (await _app.ReadAllEventsAsync(swarm, "task.reassigned")).Count);
        using var byWorker = await y.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{other["taskId"]}/reassign", new { assignedTo = "agent-y", force = true });
        await SwarmApi.EnsureProblemAsync(byWorker, HttpStatusCode.Forbidden, "forbidden_role");
    }

    [Fact]
    public async Task Reassigning_a_claimed_task_needs_force_which_ends_the_holders_lease_and_queues_it_for_the_assignee()
    {
        var (swarm, coordinator, x, y) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "contested" });
        var held = Assert.Single(await y.ClaimAsync(swarm));
        using (var refused = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/reassign", new { assignedTo = "agent-x" }))
        {
            await SwarmApi.EnsureProblemAsync(refused, HttpStatusCode.Conflict, "invalid_transition");
        }
        Assert.Equal("claimed", (string?)(await coordinator.GetTaskAsync(swarm, (string)task["taskId"]!))["status"]);

        var moved = await ReassignAsync(swarm, coordinator, task, new { assignedTo = "agent-x", force = true });
        Assert.Equal("pending", (string?)moved["status"]);
        Assert.Equal("agent-x", (string?)moved["assignedTo"]);
        Assert.Null(moved["owner"]);
        using (var stale = await y.ActAsync(swarm, held, "complete"))
        {
            await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "lease_lost");
        }
        Assert.Empty(await y.ClaimAsync(swarm));
        var taken = Assert.Single(await x.ClaimAsync(swarm));
        Assert.Equal(2, (int)taken["attempts"]!);
        Assert.Equal((long)held["fencingToken"]! + 1, (long)taken["fencingToken"]!);
        var released = Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.released"));
        Assert.Equal("reassigned", (string?)released["data"]!["reason"]);
        Assert.Equal("agent-y", (string?)released["data"]!["owner"]);
    }

    [Fact]
    public async Task Pending_blocked_and_completed_tasks_can_be_deleted_and_are_gone_for_good()
    {
        var (swarm, coordinator, x, _) = await SetUpAsync();
        var done = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "done", priority = 9 });
        var claimed = Assert.Single(await x.ClaimAsync(swarm));
        using (var complete = await x.ActAsync(swarm, claimed, "complete"))
        {
            await SwarmApi.EnsureAsync(complete, HttpStatusCode.OK);
        }
        var open = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "open", priority = 0 });
        var pending = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "pending", priority = 9 });
        var blocked = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "blocked", dependencies = new[] { (string)open["taskId"]! } });

        foreach (var task in new[] { pending, blocked, done })
        {
            using var delete = await x.DeleteAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}");
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
            using var get = await x.GetAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}");
            await SwarmApi.EnsureProblemAsync(get, HttpStatusCode.NotFound, "not_found");
        }
        Assert.Equal("open", (string?)Assert.Single(await x.ClaimAsync(swarm, new { count = 10 }))["title"]);
        var deleted = (await _app.ReadAllEventsAsync(swarm, "task.deleted")).Select(e => (string?)e["data"]!["status"]).ToList();
        Assert.Equal(["pending", "blocked", "completed"], deleted);
        Assert.Equal(1, (int)JsonNode.Parse(await x.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["total"]!);
    }

    [Fact]
    public async Task A_claimed_task_is_deleted_only_by_a_coordinator_with_force_and_its_holder_then_finds_it_gone()
    {
        var (swarm, coordinator, x, _) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "in progress" });
        var held = Assert.Single(await x.ClaimAsync(swarm));
        var url = $"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}";
        using (var plain = await x.DeleteAsync(url))
        {
            await SwarmApi.EnsureProblemAsync(plain, HttpStatusCode.Conflict, "invalid_transition");
        }
        using (var workerForce = await x.DeleteAsync(url + "?force=true"))
        {
            await SwarmApi.EnsureProblemAsync(workerForce, HttpStatusCode.Forbidden, "forbidden_role");
        }
        using (var coordinatorPlain = await coordinator.DeleteAsync(url))
        {
            await SwarmApi.EnsureProblemAsync(coordinatorPlain, HttpStatusCode.Conflict, "invalid_transition");
        }
        using (var forced = await coordinator.DeleteAsync(url + "?force=true"))
        {
            Assert.Equal(HttpStatusCode.NoContent, forced.StatusCode);
        }
        using (var complete = await x.ActAsync(swarm, held, "complete"))
        {
            await SwarmApi.EnsureProblemAsync(complete, HttpStatusCode.NotFound, "not_found");
        }
        Assert.Equal("claimed", (string?)Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.deleted"))["data"]!["status"]);
        Assert.Empty(await x.ClaimAsync(swarm));
    }

    [Fact]
    public async Task Deleting_a_task_frees_its_idempotency_key_for_a_new_task()
    {
        var (swarm, coordinator, _, _) = await SetUpAsync();
        var first = await CreateWithKeyAsync(swarm, coordinator, "nightly-build", HttpStatusCode.Created);
        Assert.Equal((string?)first["taskId"], (string?)(await CreateWithKeyAsync(swarm, coordinator, "nightly-build", HttpStatusCode.OK))["taskId"]);
        using (var delete = await coordinator.DeleteAsync($"api/swarms/{swarm.SwarmId}/tasks/{first["taskId"]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        var second = await CreateWithKeyAsync(swarm, coordinator, "nightly-build", HttpStatusCode.Created);
        Assert.NotEqual((string?)first["taskId"], (string?)second["taskId"]);
        Assert.Equal((string?)second["taskId"], (string?)(await CreateWithKeyAsync(swarm, coordinator, "nightly-build", HttpStatusCode.OK))["taskId"]);
        Assert.Equal(2, (await _app.ReadAllEventsAsync(swarm, "task.created")).Count);
    }

    private static async Task<JsonObject> CreateWithKeyAsync(TestSwarm swarm, HttpClient client, string key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/tasks") { Content = JsonContent.Create(new { type = "build", title = "nightly" }) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return await SwarmApi.EnsureAsync(response, expected);
    }

    private static async Task<JsonObject> PatchAsync(TestSwarm swarm, HttpClient client, JsonObject task, object body)
    {
        using var response = await client.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", body);
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }

    private static async Task<JsonObject> ReassignAsync(TestSwarm swarm, HttpClient client, JsonObject task, object body)
    {
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/reassign", body);
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }
}
