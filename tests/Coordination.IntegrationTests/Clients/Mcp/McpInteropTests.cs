using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Mcp;

/// <summary>The npm MCP SDK (tests/node/mcp-interop.mjs) against /api/mcp: another implementation reads the same tools and calls them.</summary>
public sealed class McpInteropTests
{
    [Fact]
    public async Task The_npm_client_lists_valid_tool_schemas_and_creates_and_lists_a_task()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var workerToken = await app.JoinAsync(swarm, "node-worker");

        var run = await NodeScript.RunAsync("mcp-interop.mjs", [new Uri(app.BaseAddress, "api/mcp").ToString(), workerToken], TimeSpan.FromSeconds(60));

        Assert.True(run.StandardOutput.Length > 0, "mcp-interop.mjs printed nothing: " + run.StandardError);
        var report = JsonNode.Parse(run.StandardOutput)!;
        Assert.True(run.ExitCode == 0, "mcp-interop.mjs failed: " + run.StandardOutput + run.StandardError);
        Assert.Equal(McpSupport.ToolNames.Order(), report["tools"]!.AsArray().Select(t => (string)t!).Order());
        var taskId = (string)report["created"]!["taskId"]!;
        Assert.Equal([taskId], report["listed"]!.AsArray().Select(t => (string)t!));
        using var sdk = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        var task = await sdk.Tasks.GetAsync(taskId);
        Assert.Equal(("from node", "npm"), (task.Title, task.Payload!.Value.GetProperty("from").GetString()));
    }
}
