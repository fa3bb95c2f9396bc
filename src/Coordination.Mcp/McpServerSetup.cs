using Coordination.Core.Common;
using Coordination.Mcp.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Coordination.Mcp;

/// <summary>Registers the coordination tools and resources on an MCP server, whatever its transport.</summary>
public static class McpServerSetup
{
    /// <summary>The name the server reports in the MCP handshake.</summary>
    public const string ServerName = "coordination";

    /// <summary>Every tool type (the tests list them to check each tool is exercised).</summary>
    public static IReadOnlyList<Type> ToolTypes { get; } =
        [typeof(SwarmTools), typeof(TaskTools), typeof(TaskAdminTools), typeof(StateTools), typeof(MessageTools), typeof(WorkflowTools)];

    /// <summary>Server identity and instructions for the handshake.</summary>
    /// <param name="options">The options to fill.</param>
    public static void Configure(McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = ServerName, Version = typeof(McpServerSetup).Assembly.GetName().Version?.ToString() ?? "1.0.0" };
        options.ServerInstructions =
            "Coordination for multi-agent work: a shared task queue with leases, resource locks, shared state, messages and an event log. " +
            "Start with start_session (joinCode to join), then loop: work_next, do the work, task_complete. Errors are JSON with a stable code.";
    }

    /// <summary>
    /// Adds the tools and resources, which take their <see cref="CoordinationSession"/> from the services (register one), and turns
    /// any failure of a tool into an <c>isError</c> result with the problem's code rather than a protocol error.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    public static IMcpServerBuilder AddCoordinationTools(this IMcpServerBuilder builder)
    {
        // The wire format's options, so arguments bind as the API reads them (enums, times, JSON values). The cast picks the
        // overload over types: a list would otherwise bind to WithTools<T>(T target), which finds no tools on a list.
        builder.WithTools((IEnumerable<Type>)ToolTypes, WireJson.Options).WithResources<CoordinationResources>();
        return builder.WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (Exception e) when (e is not McpProtocolException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                // Arguments that do not bind (a missing required one, a string for a number) throw before the tool runs:
                // they are validation failures like the API's own, not protocol errors.
                return ToolResults.FromException(e);
            }
        }));
    }
}
