using Coordination.Core.Tasks;
using Coordination.IntegrationTests.Clients.Cli;
using Coordination.IntegrationTests.Infrastructure;
using ModelContextProtocol.Client;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.IntegrationTests.Clients.Mcp;

/// <summary>
/// <c>coordctl mcp</c> as an MCP client starts it: the built coordctl.dll over stdio, configured by environment variables.
/// Over stdio a join or create switches the session to the credentials it returned.
/// </summary>
public sealed class McpStdioTests
{
    [Fact]
    public async Task Coordctl_mcp_joins_then_works_in_one_session()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var coordinator = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        var task = await coordinator.Tasks.CreateAsync(new CreateTaskRequest("stdio", "work over stdio"));
        await using var mcp = await StartCoordctlAsync(app, token: null);

        var beforeJoining = await mcp.CallFailingAsync("task_stats");
        Assert.Equal("unauthorized", (string?)beforeJoining["code"]);
        var started = await mcp.CallAsync("start_session", new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, agentId = "stdio-1" });
        Assert.Contains("now acts as agent 'stdio-1'", (string?)started["session"]);
        var next = await mcp.CallAsync("work_next", new { wait = 1 });
        Assert.Equal(task.TaskId, (string?)next["task"]!["taskId"]);
        await mcp.CallAsync("task_complete", new { taskId = task.TaskId, leaseId = (string)next["task"]!["leaseId"]!, result = new { via = "stdio" } });

        Assert.Equal(TaskStatus.Completed, (await coordinator.Tasks.GetAsync(task.TaskId)).Status);
        await McpSupport.EventuallyAsync(async () => (await coordinator.Events.QueryAsync(types: ["task.completed"])).Items.SingleOrDefault()?.Actor == "stdio-1",
            "the completion is logged as stdio-1's");
    }

    [Fact]
    public async Task Coordctl_mcp_with_a_tenant_key_creates_a_swarm_and_acts_as_its_coordinator()
    {
        await using var app = await RunningApp.StartAsync();
        await using var mcp = await StartCoordctlAsync(app, RunningApp.TenantKey);

        var created = await mcp.CallAsync("swarm_create", new { name = "made over stdio" });
        var firstTask = await mcp.CallAsync("task_create", new { type = "plan", title = "first task" });

        using var sdk = app.Sdk((string)created["token"]!, (string)created["swarmId"]!);
        var stored = await sdk.Tasks.GetAsync((string)firstTask["taskId"]!);
        Assert.Equal("first task", stored.Title);
        Assert.Equal("coordinator", (string?)(await mcp.CallAsync("swarm_members"))["items"]![0]!["agentId"]);
    }

    private static async Task<McpClient> StartCoordctlAsync(RunningApp app, string? token)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "coordctl",
            Command = "dotnet",
            Arguments = [Coordctl.ToolPath, "mcp"],
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["COORD_URL"] = app.BaseAddress.ToString(),
                ["COORD_TOKEN"] = token,
                ["COORD_SWARM"] = null,
                // No profile: this machine's own must not fill in a swarm or token.
                ["COORD_PROFILE"] = Path.Combine(Path.GetTempPath(), $"coordctl-mcp-{Guid.NewGuid():N}", "profile.json"),
                ["DOTNET_NOLOGO"] = "1",
            },
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        });
        using var timeout = new CancellationTokenSource(McpSupport.CallTimeout);
        return await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
    }
}
