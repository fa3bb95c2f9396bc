using Coordination.Core.Identity;
using Coordination.Functions.Http;
using Coordination.Mcp;
using ModelContextProtocol.AspNetCore;

namespace Coordination.Functions.Features.Mcp;

/// <summary>
/// The MCP server over Streamable HTTP at <c>POST /api/mcp</c>: the tools of <see cref="McpServerSetup"/>, acting as the
/// bearer of each request. Stateless: every POST stands alone (no session id, no server-to-client stream), because the
/// Functions host proxies plain request/response and any instance may serve the next request.
/// </summary>
public static class McpEndpoints
{
    /// <summary>The route of the MCP endpoint.</summary>
    public const string Route = "/api/mcp";

    /// <summary>The endpoint's function name.</summary>
    public const string FunctionName = "Mcp";

    /// <summary>Adds the MCP server, its tools, and the per-request session that makes them act as the caller.</summary>
    public static IServiceCollection AddMcpEndpoint(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<LoopbackApi>();
        // Scoped: in stateless mode the MCP server resolves tools from the request's services, so each request's tools
        // get the session of that request's caller.
        services.AddScoped<CoordinationSession>(sp => McpCallerSession.Of(
            sp.GetRequiredService<IHttpContextAccessor>().HttpContext ?? throw new InvalidOperationException("The MCP tools run inside a request."),
            sp.GetRequiredService<LoopbackApi>()));
        services.AddMcpServer(McpServerSetup.Configure)
            .WithHttpTransport(transport => transport.SessionMode = HttpServerSessionMode.Stateless)
            .AddCoordinationTools();
        return services;
    }

    /// <summary>
    /// Maps <c>POST /api/mcp</c> (stateless mode maps no GET or DELETE). Any valid credential may connect, a tenant key
    /// or any member's token (a missing or invalid one answers the API's 401 problem); each tool call then meets the
    /// access of the route it calls. Left out of the OpenAPI document: it is a JSON-RPC protocol endpoint whose contract
    /// is the MCP specification and its own <c>tools/list</c> (docs/mcp.md), not a REST operation.
    /// </summary>
    public static IEndpointRouteBuilder MapMcpEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMcp(Route).WithName(FunctionName).WithTags("mcp").Requires(Access.AnyCredential).ExcludeFromDescription();
        return app;
    }
}
