using Coordination.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Coordination.Mcp;

/// <summary>Serves the coordination tools over stdio (what <c>coordctl mcp</c> runs).</summary>
public static class McpStdioServer
{
    /// <summary>
    /// Runs the MCP server on stdin/stdout until the client closes it or <paramref name="ct"/> is cancelled, as
    /// <paramref name="agentId"/> when known (then <c>swarm_leave</c> and <c>start_session</c> need not ask for it).
    /// </summary>
    /// <param name="options">The API, credential and swarm the tools act with.</param>
    /// <param name="agentId">The agent the credential belongs to, if known.</param>
    /// <param name="ct">Stops the server.</param>
    public static async Task RunAsync(CoordinationClientOptions options, string? agentId, CancellationToken ct)
    {
        using var session = new StdioSession(options, agentId);
        var services = new ServiceCollection();
        // Over stdio, stdout carries the protocol: one stray line there breaks the client, so every log line goes to stderr.
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        services.AddSingleton<CoordinationSession>(session);
        services.AddMcpServer(McpServerSetup.Configure).WithStdioServerTransport().AddCoordinationTools();
        await using var provider = services.BuildServiceProvider();
        var server = provider.GetRequiredService<McpServer>();
        await server.RunAsync(ct);
    }
}
