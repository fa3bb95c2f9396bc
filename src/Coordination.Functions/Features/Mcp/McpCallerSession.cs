using Coordination.Client;
using Coordination.Functions.Http;
using Coordination.Mcp;

namespace Coordination.Functions.Features.Mcp;

/// <summary>
/// The MCP tools' identity for one HTTP request: the request's own bearer credential, with the swarm and agent taken from
/// the credential as access control validated it (never from the MCP arguments).
/// </summary>
internal sealed class McpCallerSession(CoordinationClient client, string? agentId) : CoordinationSession, IDisposable
{
    public override CoordinationClient Client { get; } = client;

    public override string? AgentId { get; } = agentId;

    /// <summary>False: an HTTP client sends its credential with every request, so a join can only tell it which to send.</summary>
    public override bool AdoptsCredentials => false;

    /// <summary>The session of the request in <paramref name="context"/>, which access control has already authorized.</summary>
    public static McpCallerSession Of(HttpContext context, LoopbackApi api)
    {
        var caller = context.Caller();
        var token = AccessControl.BearerOf(context.Request);
        return new McpCallerSession(new CoordinationClient(api.Http, new CoordinationClientOptions { Token = token, SwarmId = caller.SwarmId }), caller.AgentId);
    }

    public void Dispose() => Client.Dispose();
}
