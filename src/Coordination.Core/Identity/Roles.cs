namespace Coordination.Core.Identity;

/// <summary>What an endpoint requires of its caller; declared once per endpoint.</summary>
public enum Access
{
    /// <summary>No credentials (health, OpenAPI, join with a join code).</summary>
    Anonymous,

    /// <summary>A tenant API key (<c>ck_…</c>).</summary>
    Tenant,

    /// <summary>Any member of the swarm in the route, observers included (reads).</summary>
    Member,

    /// <summary>A worker or coordinator of the swarm in the route (writes).</summary>
    Writer,

    /// <summary>A coordinator of the swarm in the route.</summary>
    Coordinator,

    /// <summary>
    /// Any valid credential, a tenant key or any member's agent token, on a route without a swarm: the MCP endpoint, whose
    /// tools then call the routes that check their own access.
    /// </summary>
    AnyCredential,
}

/// <summary>Who is calling, established from credentials only (never from a body field).</summary>
/// <param name="TenantId">The tenant the credentials belong to.</param>
/// <param name="SwarmId">The swarm an agent token is bound to (null for tenant keys).</param>
/// <param name="AgentId">The agent id (null for tenant keys).</param>
/// <param name="Role">The agent's role (null for tenant keys).</param>
public sealed record Caller(string TenantId, string? SwarmId, string? AgentId, Role? Role)
{
    /// <summary>True for a tenant key (no agent): the owner of the tenant's swarms, above any member.</summary>
    public bool IsTenant => AgentId is null;

    /// <summary>The id recorded as the actor of the caller's changes.</summary>
    public string Actor => AgentId ?? "tenant:" + TenantId;

    /// <summary>True when the caller's role is at least <paramref name="required"/>.</summary>
    public bool HasRole(Role required) => Role is { } role && role >= required;
}
