using System.ComponentModel;
using Coordination.Core.Swarms;
using Role = Coordination.Core.Identity.Role;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Coordination.Mcp.Tools;

/// <summary>Swarm membership: create, join, list members, leave.</summary>
[McpServerToolType]
public sealed class SwarmTools(CoordinationSession session)
{
    /// <summary>Creates a swarm.</summary>
    [McpServerTool(Name = "swarm_create", Title = "Create a swarm")]
    [Description("Creates a new swarm (a workspace for a group of agents) and makes you its coordinator. Needs a tenant API key (ck_…) as the " +
                 "credential; with an agent token it answers unauthorized. Returns swarmId, joinCode (share it with workers and observers), " +
                 "coordinatorCode (grants any role: share only with co-coordinators), and your coordinator token.")]
    public async Task<CallToolResult> CreateAsync(
        [Description("A short human-readable name for the swarm.")] string name,
        [Description("What the swarm is working toward; shown to every member.")] string? goal = null,
        [Description("Most members the swarm admits (default from the tenant's limits).")] int? maxAgents = null,
        [Description("Your agent id as the coordinator (default: generated).")] string? coordinatorId = null,
        CancellationToken cancellationToken = default)
    {
        var created = await session.Client.Swarms.CreateAsync(new CreateSwarmRequest(name, goal, maxAgents, coordinatorId), cancellationToken);
        var credentials = new AgentCredentials(created.SwarmId, created.AgentId, created.Role, created.Token, created.ExpiresAt);
        return ToolResults.Json(new
        {
            created.SwarmId,
            created.JoinCode,
            created.CoordinatorCode,
            created.AgentId,
            created.Role,
            created.Token,
            created.ExpiresAt,
            created.Swarm,
            Session = AdoptOrAdvise(credentials),
        });
    }

    /// <summary>Joins a swarm.</summary>
    [McpServerTool(Name = "swarm_join", Title = "Join a swarm")]
    [Description("Joins a swarm with its join code (worker or observer) or coordinator code (any role), or rejoins as the same agentId to " +
                 "get a fresh token. Needs no credential. Returns your agentId, role and agent token; the token is how every other tool " +
                 "knows who you are.")]
    public async Task<CallToolResult> JoinAsync(
        [Description("The swarm's join code (e.g. XKCD-1234) or coordinator code.")] string joinCode,
        [Description("worker (claims and does tasks), observer (read-only) or coordinator (manages the swarm). Default worker.")] string role = "worker",
        [Description("The swarm id, when the code alone is ambiguous.")] string? swarmId = null,
        [Description("Your stable agent id; reuse it to rejoin as yourself. Default: generated.")] string? agentId = null,
        [Description("A display name.")] string? name = null,
        [Description("What you can do, for task routing, e.g. [\"python\", \"review\"].")] string[]? capabilities = null,
        CancellationToken cancellationToken = default)
    {
        var credentials = await session.Client.Swarms.JoinAsync(
            new JoinSwarmRequest(joinCode, ParseRole(role), swarmId, agentId, name, capabilities), cancellationToken);
        return ToolResults.Json(new
        {
            credentials.SwarmId,
            credentials.AgentId,
            credentials.Role,
            credentials.Token,
            credentials.ExpiresAt,
            Session = AdoptOrAdvise(credentials),
        });
    }

    /// <summary>Lists the members.</summary>
    [McpServerTool(Name = "swarm_members", Title = "List swarm members", ReadOnly = true)]
    [Description("Lists every member of your swarm with role, status (online/busy/away/offline), capabilities and when each was last seen. " +
                 "Use it to find who to message or assign work to.")]
    public async Task<CallToolResult> MembersAsync(CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Swarms.ListMembersAsync(cancellationToken));

    /// <summary>Leaves the swarm or removes a member.</summary>
    [McpServerTool(Name = "swarm_leave", Title = "Leave the swarm", Destructive = true)]
    [Description("Leaves your swarm (or, as coordinator, removes another member). Your locks are released, your claimed tasks go back to " +
                 "the queue and tasks assigned to you are unassigned; your token stops working. Returns {left: agentId}.")]
    public async Task<CallToolResult> LeaveAsync(
        [Description("The member to remove; default yourself. Removing another member needs the coordinator role.")] string? agentId = null,
        CancellationToken cancellationToken = default)
    {
        var client = session.SwarmClient;
        var member = agentId ?? session.AgentId;
        if (member is null)
        {
            return ToolResults.Invalid("agentId", "this session does not know its own agent id; pass it.");
        }
        await client.Swarms.RemoveMemberAsync(member, cancellationToken);
        return ToolResults.Json(new { Left = member });
    }

    /// <summary>Over stdio the session becomes the new agent; over HTTP the caller is told to configure the token.</summary>
    internal string AdoptOrAdvise(AgentCredentials credentials)
    {
        if (session.AdoptsCredentials)
        {
            session.Adopt(credentials);
            return $"This MCP session now acts as agent '{credentials.AgentId}' ({credentials.Role.ToString().ToLowerInvariant()}) in swarm {credentials.SwarmId}.";
        }
        return "This MCP connection keeps its own credential: to act as this agent, configure the MCP client with the header " +
               "'Authorization: Bearer <token>' using the token above.";
    }

    internal static Role ParseRole(string role) => role.Trim().ToLowerInvariant() switch
    {
        "worker" => Role.Worker,
        "observer" => Role.Observer,
        "coordinator" => Role.Coordinator,
        _ => throw new ArgumentException($"role: '{role}' is not a role; use worker, observer or coordinator."),
    };
}
