using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Client;
using Coordination.IntegrationTests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Coordination.IntegrationTests.Clients.Mcp;

/// <summary>Connects the official C# MCP client to the app and calls tools with bounded waits.</summary>
public static class McpSupport
{
    /// <summary>The longest a single MCP call may take in a test (the longest tool wait used is a few seconds).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Every tool the server must offer.</summary>
    public static readonly string[] ToolNames =
    [
        "swarm_create", "swarm_join", "swarm_members", "swarm_leave", "resource_claim", "resource_release", "state_get", "state_set",
        "state_poll", "task_create", "task_bulk_create", "task_claim", "task_complete", "task_fail", "task_unclaim", "task_recover",
        "task_stats", "task_list", "task_events", "task_update", "task_reassign", "task_delete", "broadcast", "swarm_events",
        "message_send", "messages_read", "message_ack", "agents_active", "start_session", "work_next",
    ];

    /// <summary>An MCP client over Streamable HTTP at <c>/api/mcp</c>, sending <paramref name="bearer"/>.</summary>
    public static async Task<McpClient> ConnectAsync(this RunningApp app, string bearer)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(app.BaseAddress, "api/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + bearer },
        });
        using var timeout = new CancellationTokenSource(CallTimeout);
        return await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
    }

    /// <summary>A client of the API as <paramref name="token"/> (to check what a tool did).</summary>
    public static CoordinationClient Sdk(this RunningApp app, string token, string? swarmId) =>
        new(new CoordinationClientOptions { BaseAddress = app.BaseAddress, Token = token, SwarmId = swarmId });

    /// <summary>Calls a tool that must succeed and returns its JSON answer.</summary>
    public static async Task<JsonNode> CallAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await CallRawAsync(client, tool, arguments);
        var text = TextOf(result);
        Assert.False(result.IsError == true, $"{tool} failed: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Calls a tool that must fail and returns its problem (code, status, detail).</summary>
    public static async Task<JsonNode> CallFailingAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await CallRawAsync(client, tool, arguments);
        var text = TextOf(result);
        Assert.True(result.IsError == true, $"{tool} succeeded but should have failed: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The single text block of a tool result.</summary>
    public static string TextOf(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static async Task<CallToolResult> CallRawAsync(McpClient client, string tool, object? arguments)
    {
        var json = arguments is null ? new Dictionary<string, JsonElement>() : JsonSerializer.SerializeToElement(arguments).Deserialize<Dictionary<string, JsonElement>>()!;
        using var timeout = new CancellationTokenSource(CallTimeout);
        return await client.CallToolAsync(tool, json.ToDictionary(p => p.Key, p => (object?)p.Value), cancellationToken: timeout.Token);
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 10 s (the event log is sequenced just after a write).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"Not within 10 s: {what}");
    }
}
