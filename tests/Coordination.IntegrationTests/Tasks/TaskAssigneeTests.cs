using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>An assignee must be a current member that can claim, or the task could never be claimed (issue 12, loose validation).</summary>
public sealed class TaskAssigneeTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(TestSwarm Swarm, HttpClient Coordinator)> SetUpAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        await _app.JoinAsync(swarm, "worker-1");
        await _app.JoinAsync(swarm, "watcher", role: "observer");
        var departed = _app.ClientFor(await _app.JoinAsync(swarm, "departed"));
        using (var leave = await departed.DeleteAsync($"api/swarms/{swarm.SwarmId}/members/departed"))
        {
            Assert.True(leave.IsSuccessStatusCode, $"leave answered {(int)leave.StatusCode}");
        }
        return (swarm, _app.ClientFor(swarm.CoordinatorToken));
    }

    [Theory]
    [InlineData("ghost", "not a member")]
    [InlineData("departed", "not a member")]
    [InlineData("watcher", "observer")]
    public async Task Create_refuses_an_assignee_that_cannot_claim_and_writes_nothing(string assignee, string reason)
    {
        var (swarm, coordinator) = await SetUpAsync();
        using var response = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks", new { type = "job", title = "orphan", assignedTo = assignee });
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("assignedTo", (string?)problem["field"]);
        Assert.Contains(reason, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains(assignee, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(0, (int)JsonNode.Parse(await coordinator.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["total"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.created"));
    }

    [Fact]
    public async Task Bulk_create_names_the_index_of_an_assignee_that_is_not_a_member_and_creates_none()
    {
        var (swarm, coordinator) = await SetUpAsync();
        var tasks = new object[]
        {
            new { type = "job", title = "a", assignedTo = "worker-1" },
            new { type = "job", title = "b" },
            new { type = "job", title = "c", assignedTo = "ghost" },
        };
        using var response = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/bulk", new { tasks });
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("tasks[2].assignedTo", (string?)problem["field"]);
        Assert.Contains("not a member", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(0, (int)JsonNode.Parse(await coordinator.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["total"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.created"));
    }

    [Fact]
    public async Task Reassign_refuses_an_assignee_that_is_not_a_member_and_keeps_the_assignment()
    {
        var (swarm, coordinator) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "job", title = "pinned", assignedTo = "worker-1" });
        foreach (var assignee in new[] { "ghost", "departed", "watcher" })
        {
            using var response = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/reassign", new { assignedTo = assignee, force = true });
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Equal("assignedTo", (string?)problem["field"]);
        }
        Assert.Equal("worker-1", (string?)(await coordinator.GetTaskAsync(swarm, (string)task["taskId"]!))["assignedTo"]);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.reassigned"));

        using var unassign = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}/reassign", new { assignedTo = (string?)null });
        Assert.Null((await SwarmApi.EnsureAsync(unassign, HttpStatusCode.OK))["assignedTo"]);
    }
}
