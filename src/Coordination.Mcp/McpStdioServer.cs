using Coordination.Client;

namespace Coordination.Mcp;

/// <summary>Serves the coordination tools over stdio (what <c>coordctl mcp</c> runs).</summary>
public static class McpStdioServer
{
    /// <summary>Runs the MCP server on stdin/stdout until the client closes it or <paramref name="ct"/> is cancelled.</summary>
    /// <param name="options">The API, credential and swarm the tools act with.</param>
    /// <param name="ct">Stops the server.</param>
    public static Task RunAsync(CoordinationClientOptions options, CancellationToken ct) => throw new NotImplementedException();
}
