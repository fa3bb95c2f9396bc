using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Mcp;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl mcp</c>: serves the operations as MCP tools over stdio, with the resolved configuration.</summary>
internal static class McpCommand
{
    /// <summary>The agent id of the token in use, for a token that is not the profile's (optional).</summary>
    public const string AgentVariable = "COORD_AGENT";

    public static Command Build() => Verb.Create("mcp", "Serves MCP over stdio (for LLM agents) as the configured agent.", async (cli, ct) =>
    {
        // No swarm is required: a tenant key may start a session that creates one (swarm_create adopts its credentials).
        var options = cli.ClientOptions(withSwarm: false);
        var agentId = Environment.GetEnvironmentVariable(AgentVariable) is { Length: > 0 } named ? named
            : cli.Profile is { } profile && profile.Token == options.Token ? profile.AgentId : null;
        await McpStdioServer.RunAsync(options, agentId, ct);
        return ExitCodes.Ok;
    });
}
