using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Mcp;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl mcp</c>: serves the operations as MCP tools over stdio, with the resolved configuration.</summary>
internal static class McpCommand
{
    public static Command Build() => Verb.Create("mcp", "Serves MCP over stdio (for LLM agents) as the configured agent.", async (cli, ct) =>
    {
        await McpStdioServer.RunAsync(cli.ClientOptions(), ct);
        return ExitCodes.Ok;
    });
}
