using System.Text.Json.Nodes;
using Coordination.Core.Messaging;
using Coordination.Core.Tasks;
using Coordination.IntegrationTests.Infrastructure;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.IntegrationTests.Clients.Mcp;

/// <summary>The two workflow tools end to end: start_session gathers what waits for an agent; work_next hands it a task with its context.</summary>
public sealed class McpWorkflowTests
{
    [Fact]
    public async Task Start_session_reports_presence_and_returns_pending_messages_and_my_open_tasks()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var workerToken = await app.JoinAsync(swarm, "worker-1");
        using var coordinator = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        var assigned = await coordinator.Tasks.CreateAsync(new CreateTaskRequest("build", "build it", AssignedTo: "worker-1"));
        await coordinator.Tasks.CreateAsync(new CreateTaskRequest("build", "someone else's"));
        await coordinator.Messages.SendAsync(new SendMessageRequest("worker-1", "start with the build"));
        await using var worker = await app.ConnectAsync(workerToken);

        var started = await worker.CallAsync("start_session", new { capabilities = new[] { "python" }, status = "busy" });

        Assert.Equal(("worker-1", "busy"), ((string?)started["agent"]!["agentId"], (string?)started["agent"]!["status"]));
        Assert.Equal("start with the build", (string?)Assert.Single(started["pendingMessages"]!.AsArray())!["content"]);
        Assert.Equal([assigned.TaskId], started["myTasks"]!.AsArray().Select(t => (string)t!["taskId"]!));
        Assert.Equal(swarm.SwarmId, (string?)started["swarm"]!["swarmId"]);
        var me = await coordinator.Agents.GetAsync("worker-1");
        Assert.Equal("busy", me.Status);
        Assert.Equal(["python"], me.Capabilities);
    }

    [Fact]
    public async Task Start_session_with_a_join_code_over_http_returns_credentials_to_configure()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await using var tenant = await app.ConnectAsync(RunningApp.TenantKey);

        var started = await tenant.CallAsync("start_session", new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, agentId = "late-joiner" });

        Assert.Equal("late-joiner", (string?)started["agent"]!["agentId"]);
        Assert.StartsWith("ct_", (string?)started["credentials"]!["token"]);
        Assert.Contains("Authorization: Bearer", (string?)started["session"]);
        using var sdk = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        Assert.Contains("late-joiner", (await sdk.Swarms.ListMembersAsync()).Items.Select(m => m.AgentId));
    }

    [Fact]
    public async Task Work_next_claims_a_task_with_its_dependencies_results_and_answers_null_when_none_is_ready()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var coordinator = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        var design = await coordinator.Tasks.CreateAsync(new CreateTaskRequest("design", "design the api"));
        var build = await coordinator.Tasks.CreateAsync(new CreateTaskRequest("build", "build the api", Dependencies: [design.TaskId]));
        await using var worker = await app.ConnectAsync(await app.JoinAsync(swarm, "worker-1"));

        var first = await worker.CallAsync("work_next", new { wait = 1 });
        Assert.Equal(design.TaskId, (string?)first["task"]!["taskId"]);
        Assert.Empty(first["dependencies"]!.AsArray());
        await worker.CallAsync("task_complete", new { taskId = design.TaskId, leaseId = (string)first["task"]!["leaseId"]!, result = new { endpoints = 3 } });

        var second = await worker.CallAsync("work_next", new { wait = 5 });
        Assert.Equal(build.TaskId, (string?)second["task"]!["taskId"]);
        Assert.Equal("claimed", (string?)second["task"]!["status"]);
        var dependency = Assert.Single(second["dependencies"]!.AsArray())!;
        Assert.Equal((design.TaskId, 3), ((string?)dependency["taskId"], (int)dependency["result"]!["endpoints"]!));
        Assert.Equal((TaskStatus.Claimed, "worker-1"), ((await coordinator.Tasks.GetAsync(build.TaskId)).Status, (await coordinator.Tasks.GetAsync(build.TaskId)).Owner));

        var none = await worker.CallAsync("work_next", new { wait = 1 });
        Assert.Null(none["task"]);
    }

    [Fact]
    public async Task Tool_text_is_json_a_model_reads_as_written_without_escaped_apostrophes_or_brackets()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await using var worker = await app.ConnectAsync(await app.JoinAsync(swarm, "worker-1"));
        const string title = "it's a+b <c> & \"d\"";

        var result = await worker.CallToolAsync("task_create", new Dictionary<string, object?> { ["type"] = "t", ["title"] = title });

        var text = McpSupport.TextOf(result);
        Assert.Contains("it's a+b <c> & \\\"d\\\"", text, StringComparison.Ordinal);
        Assert.Equal(title, (string?)JsonNode.Parse(text)!["title"]);
    }
}
