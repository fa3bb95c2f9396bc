using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Client;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.IntegrationTests.Clients.Mcp;

/// <summary>
/// The MCP tools over Streamable HTTP at /api/mcp, with the official C# MCP client against the real app: each tool's effect
/// is checked through the SDK, so a tool that answered without doing its work fails here.
/// </summary>
public sealed class McpToolTests
{
    [Fact]
    public async Task Every_tool_is_listed_with_a_description_and_an_object_schema_for_its_arguments()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await using var mcp = await app.ConnectAsync(swarm.CoordinatorToken);

        var tools = await mcp.ListToolsAsync();

        Assert.Equal(McpSupport.ToolNames.Order(), tools.Select(t => t.Name).Order());
        foreach (var tool in tools)
        {
            Assert.True(tool.Description.Length >= 60, $"{tool.Name}: description too short to act on: '{tool.Description}'");
            var schema = tool.JsonSchema;
            Assert.Equal("object", schema.GetProperty("type").GetString());
            var properties = schema.TryGetProperty("properties", out var p) ? p.EnumerateObject().ToList() : [];
            foreach (var property in properties)
            {
                Assert.True(property.Value.ValueKind == JsonValueKind.Object, $"{tool.Name}.{property.Name} has no schema");
                Assert.True(property.Value.TryGetProperty("description", out _), $"{tool.Name}.{property.Name} has no description");
            }
            foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()) : [])
            {
                Assert.Contains(required, properties.Select(q => q.Name));
            }
            Assert.DoesNotContain(properties, q => q.Name is "cancellationToken");
        }
    }

    [Fact]
    public async Task Swarm_task_and_admin_tools_act_on_the_api_as_their_caller()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        await using var tenant = await app.ConnectAsync(RunningApp.TenantKey);

        var created = await tenant.CallAsync("swarm_create", new { name = "mcp swarm", goal = "test every tool", maxAgents = 10, coordinatorId = "boss" });
        var swarmId = (string)created["swarmId"]!;
        var coordinatorToken = (string)created["token"]!;
        Assert.Contains("Authorization: Bearer", (string)created["session"]!);
        using var coordinatorSdk = app.Sdk(coordinatorToken, swarmId);
        Assert.Equal("mcp swarm", (await coordinatorSdk.Swarms.GetAsync()).Name);

        var joined = await tenant.CallAsync("swarm_join", new { joinCode = (string)created["joinCode"]!, role = "worker", agentId = "worker-1", capabilities = new[] { "python" } });
        Assert.Equal("worker-1", (string?)joined["agentId"]);
        await using var coordinator = await app.ConnectAsync(coordinatorToken);
        await using var worker = await app.ConnectAsync((string)joined["token"]!);

        var members = await worker.CallAsync("swarm_members");
        Assert.Equal(["boss", "worker-1"], members["items"]!.AsArray().Select(m => (string)m!["agentId"]!).Order());

        var build = await worker.CallAsync("task_create", new { type = "build", title = "compile", payload = new { target = "x64" }, priority = "high" });
        var buildId = (string)build["taskId"]!;
        var stored = await coordinatorSdk.Tasks.GetAsync(buildId);
        Assert.Equal(("compile", 7, "x64"), (stored.Title, stored.Priority, stored.Payload!.Value.GetProperty("target").GetString()));

        var bulk = await coordinator.CallAsync("task_bulk_create", new { tasks = new object[] { new { type = "test", title = "unit" }, new { type = "test", title = "integration" } } });
        Assert.Equal(2, bulk["tasks"]!.AsArray().Count);
        Assert.Equal(2, (await coordinatorSdk.Tasks.ListAsync(type: "test")).Items.Count);
        Assert.Equal(3, (int)(await worker.CallAsync("task_stats"))["pending"]!);
        Assert.Equal(3, (await worker.CallAsync("task_list", new { status = "pending" }))["items"]!.AsArray().Count);

        var lease = (await worker.CallAsync("task_claim", new { types = new[] { "build" } }))["items"]![0]!;
        Assert.Equal((TaskStatus.Claimed, "worker-1"), await StatusAndOwnerAsync(coordinatorSdk, buildId));
        await worker.CallAsync("task_unclaim", new { taskId = buildId, leaseId = (string)lease["leaseId"]!, reason = "later" });
        Assert.Equal((TaskStatus.Pending, (string?)null), await StatusAndOwnerAsync(coordinatorSdk, buildId));

        lease = (await worker.CallAsync("task_claim", new { types = new[] { "build" }, leaseSeconds = 600 }))["items"]![0]!;
        await worker.CallAsync("task_complete", new { taskId = buildId, leaseId = (string)lease["leaseId"]!, result = new { ok = true } });
        var completed = await coordinatorSdk.Tasks.GetAsync(buildId);
        Assert.Equal(TaskStatus.Completed, completed.Status);
        Assert.True(completed.Result!.Value.GetProperty("ok").GetBoolean());

        var unit = (await worker.CallAsync("task_claim", new { types = new[] { "test" } }))["items"]![0]!;
        await worker.CallAsync("task_fail", new { taskId = (string)unit["taskId"]!, leaseId = (string)unit["leaseId"]!, error = "segfault", retryable = false });
        var failed = await coordinatorSdk.Tasks.GetAsync((string)unit["taskId"]!);
        Assert.Equal((TaskStatus.Failed, "segfault"), (failed.Status, failed.LastError));

        var otherId = bulk["tasks"]!.AsArray().Select(t => (string)t!["taskId"]!).Single(id => id != (string)unit["taskId"]!);
        await coordinator.CallAsync("task_update", new { taskId = otherId, title = "integration, renamed", priority = 9 });
        await coordinator.CallAsync("task_reassign", new { taskId = otherId, assignedTo = "worker-1" });
        var edited = await coordinatorSdk.Tasks.GetAsync(otherId);
        Assert.Equal(("integration, renamed", 9, "worker-1"), (edited.Title, edited.Priority, edited.AssignedTo));

        // A claim held for two minutes counts as stuck at a one-minute threshold: the dry run lists it, the real run requeues it.
        await worker.CallAsync("task_claim", new { types = new[] { "test" } });
        clock.Advance(TimeSpan.FromMinutes(2));
        var preview = await coordinator.CallAsync("task_recover", new { stuckThresholdMinutes = 1, dryRun = true });
        Assert.Equal([otherId], preview["tasks"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(TaskStatus.Claimed, (await coordinatorSdk.Tasks.GetAsync(otherId)).Status);
        await coordinator.CallAsync("task_recover", new { stuckThresholdMinutes = 1 });
        Assert.Equal(TaskStatus.Pending, (await coordinatorSdk.Tasks.GetAsync(otherId)).Status);

        await coordinator.CallAsync("task_delete", new { taskId = otherId });
        var gone = await Assert.ThrowsAsync<CoordinationProblemException>(() => coordinatorSdk.Tasks.GetAsync(otherId));
        Assert.Equal("not_found", gone.Code);

        await McpSupport.EventuallyAsync(async () =>
        {
            var events = await worker.CallAsync("task_events");
            var types = events["items"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
            return types.Contains("task.created") && types.Contains("task.completed") && types.Contains("task.deleted");
        }, "task_events lists the created, completed and deleted tasks");

        await worker.CallAsync("swarm_leave");
        Assert.DoesNotContain("worker-1", (await coordinatorSdk.Swarms.ListMembersAsync()).Items.Select(m => m.AgentId));
    }

    [Fact]
    public async Task State_lock_message_event_and_presence_tools_act_on_the_api()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var workerToken = await app.JoinAsync(swarm, "worker-1");
        await using var coordinator = await app.ConnectAsync(swarm.CoordinatorToken);
        await using var worker = await app.ConnectAsync(workerToken);
        using var sdk = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);

        var set = await worker.CallAsync("state_set", new { key = "config/build", value = new { mode = "release" } });
        Assert.Equal(1, (long)set["version"]!);
        Assert.Equal("release", (await sdk.State.GetAsync("config/build")).Value!.Value.GetProperty("mode").GetString());
        await worker.CallAsync("state_set", new { key = "counter", increment = 5 });
        await worker.CallAsync("state_set", new { key = "counter", increment = 5 });
        Assert.Equal(10, (await sdk.State.GetAsync("counter")).Value!.Value.GetInt64());
        var read = await coordinator.CallAsync("state_get", new { key = "counter" });
        Assert.Equal((10, 2), ((long)read["value"]!, (long)read["version"]!));
        var conflict = await worker.CallAsync("state_poll", new { keys = new[] { "counter", "config/build" }, lastVersions = new Dictionary<string, long> { ["counter"] = 1, ["config/build"] = 1 } });
        Assert.Equal(["counter"], conflict["changed"]!.AsArray().Select(c => (string)c!["key"]!));

        var held = await worker.CallAsync("resource_claim", new { resource = "file:src/app.ts", ttl = 60 });
        Assert.True((bool)held["acquired"]!);
        Assert.Equal("worker-1", (await sdk.Locks.ListAsync("file:src/app.ts")).Locks.Single().HeldBy);
        var refused = await coordinator.CallAsync("resource_claim", new { resource = "file:src/app.ts", ttl = 60, wait = 1 });
        Assert.Equal((false, "worker-1"), ((bool)refused["acquired"]!, (string?)refused["heldBy"]));
        await worker.CallAsync("resource_release", new { claimId = (string)held["claimId"]! });
        Assert.Empty((await sdk.Locks.ListAsync("file:src/app.ts")).Locks);

        var sent = await worker.CallAsync("message_send", new { to = "coordinator", content = "build is green", category = "info", subject = "build" });
        var messageId = (string)sent["messageId"]!;
        var inbox = await coordinator.CallAsync("messages_read", new { status = "pending" });
        Assert.Contains(messageId, inbox["items"]!.AsArray().Select(m => (string)m!["messageId"]!));
        Assert.Equal("build is green", (string?)(await coordinator.CallAsync("messages_read", new { messageId }))["content"]);
        await coordinator.CallAsync("message_ack", new { messageId });
        Assert.Equal("acknowledged", (await sdk.Messages.GetAsync(messageId)).Status);

        var accepted = await worker.CallAsync("broadcast", new { type = "phase_complete", data = new { phase = 1 }, subject = "phase-1" });
        Assert.Equal("worker-1", (string?)accepted["actor"]);
        await McpSupport.EventuallyAsync(async () => (await sdk.Events.QueryAsync(types: ["phase_complete"])).Items.Count == 1, "the broadcast is in the log");
        var events = await coordinator.CallAsync("swarm_events", new { types = new[] { "phase_complete" } });
        Assert.Equal("phase-1", (string?)Assert.Single(events["items"]!.AsArray())!["subject"]);

        var active = await coordinator.CallAsync("agents_active");
        Assert.Contains("worker-1", active["items"]!.AsArray().Select(a => (string)a!["agentId"]!));
    }

    private static async Task<(TaskStatus, string?)> StatusAndOwnerAsync(CoordinationClient sdk, string taskId)
    {
        var task = await sdk.Tasks.GetAsync(taskId);
        return (task.Status, task.Owner);
    }
}
