using System.Text.Json;
using Coordination.Core.Identity;

namespace Coordination.Core.Swarms;

/// <summary>Create a swarm (tenant key).</summary>
/// <param name="Name">1–100 characters.</param>
/// <param name="Goal">What the swarm works toward (≤ 2000 characters).</param>
/// <param name="MaxAgents">Member limit (default 20, at most the tenant's MaxAgentsPerSwarm).</param>
/// <param name="CoordinatorId">Agent id of the creator, who becomes coordinator (default <c>coordinator</c>).</param>
/// <param name="CoordinatorName">Display name of the creator.</param>
public sealed record CreateSwarmRequest(string Name, string? Goal = null, int? MaxAgents = null, string? CoordinatorId = null, string? CoordinatorName = null);

/// <summary>A swarm as members see it.</summary>
/// <param name="SwarmId">Id (<c>swarm_…</c>).</param>
/// <param name="Name">Name.</param>
/// <param name="Goal">Goal.</param>
/// <param name="MaxAgents">Member limit.</param>
/// <param name="Status"><c>active</c> or <c>archived</c>.</param>
/// <param name="MemberCount">Current members.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="CreatedBy">Creating agent.</param>
/// <param name="JoinCode">Shown to coordinators and the owning tenant only.</param>
/// <param name="CoordinatorCode">The code that also grants the coordinator role; shown to coordinators and the owning tenant only.</param>
public sealed record SwarmView(string SwarmId, string Name, string? Goal, int MaxAgents, string Status, int MemberCount, DateTimeOffset CreatedAt, string CreatedBy, string? JoinCode, string? CoordinatorCode = null);

/// <summary>A member's credentials: the bearer token to call the swarm's routes with.</summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Role">Its role.</param>
/// <param name="Token">Agent token (<c>ct_…</c>); send as <c>Authorization: Bearer</c>.</param>
/// <param name="ExpiresAt">When the token expires (join again with the same agent id for a new one).</param>
public sealed record AgentCredentials(string SwarmId, string AgentId, Role Role, string Token, DateTimeOffset ExpiresAt);

/// <summary>The result of creating a swarm: its id and join code at the top, the creator's coordinator credentials, and the swarm.</summary>
/// <param name="SwarmId">The new swarm's id (<c>swarm_…</c>).</param>
/// <param name="JoinCode">Code others join with.</param>
/// <param name="CoordinatorCode">Code that joins as coordinator (or worker or observer); give it only to co-coordinators.</param>
/// <param name="AgentId">The creator's agent id (the coordinator).</param>
/// <param name="Role">Always <c>coordinator</c>.</param>
/// <param name="Token">The creator's agent token (<c>ct_…</c>); send as <c>Authorization: Bearer</c>.</param>
/// <param name="ExpiresAt">When the token expires.</param>
/// <param name="Swarm">The swarm as its coordinator sees it.</param>
public sealed record CreateSwarmResponse(string SwarmId, string JoinCode, string CoordinatorCode, string AgentId, Role Role, string Token, DateTimeOffset ExpiresAt, SwarmView Swarm);

/// <summary>
/// Join a swarm with its join code or coordinator code (no other credentials). Joining again with a member's own
/// agent id is a rejoin: a fresh token, the old one revoked.
/// </summary>
/// <param name="JoinCode">The swarm's join code (grants worker or observer) or coordinator code (grants any role); case and dashes ignored.</param>
/// <param name="Role">coordinator, worker or observer; at most what the code grants.</param>
/// <param name="SwarmId">Optional: the swarm the code belongs to.</param>
/// <param name="AgentId">Optional chosen agent id (1–128 characters); generated when absent. A member's own id rejoins.</param>
/// <param name="Name">Display name (a rejoin without one keeps the old).</param>
/// <param name="Capabilities">What the agent can do (labels; a rejoin without them keeps the old).</param>
public sealed record JoinSwarmRequest(string JoinCode, Role Role, string? SwarmId = null, string? AgentId = null, string? Name = null, IReadOnlyList<string>? Capabilities = null);

/// <summary>A member with its presence.</summary>
/// <param name="AgentId">Agent id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Role">Role.</param>
/// <param name="Status">Last reported status: online, busy, away — or offline when the agent was last seen longer ago than the presence TTL.</param>
/// <param name="Online">True while the agent was last seen within the presence TTL.</param>
/// <param name="Capabilities">Capabilities.</param>
/// <param name="Metadata">Free-form metadata from the last heartbeat.</param>
/// <param name="LastSeen">When the agent was last heard from: its join, a heartbeat, or any authenticated call (recorded at most once per agent per presence interval).</param>
/// <param name="JoinedAt">When it joined.</param>
public sealed record MemberView(string AgentId, string? Name, Role Role, string Status, bool Online, IReadOnlyList<string> Capabilities, JsonElement? Metadata, DateTimeOffset LastSeen, DateTimeOffset JoinedAt);

/// <summary>The outcome of admitting an agent: its credentials, and whether it became a member just now (else it rejoined).</summary>
/// <param name="Credentials">The fresh credentials.</param>
/// <param name="Created">True for a new member (201), false for a rejoin (200).</param>
public sealed record Admission(AgentCredentials Credentials, bool Created);

/// <summary>A stream token: read-only, for one swarm and agent, short-lived; pass it as <c>?access_token=</c> to a GET stream route.</summary>
/// <param name="Token">The token (<c>cs_…</c>); accepted only in the query string of stream routes, never as a bearer token.</param>
/// <param name="ExpiresAt">When it stops opening streams (a stream already open runs to its own end).</param>
public sealed record StreamToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>Mint a coordinator token for a swarm (tenant key).</summary>
/// <param name="AgentId">The agent to make (or keep) a coordinator: a member is promoted or refreshed, another id joins.</param>
public sealed record CoordinatorTokenRequest(string AgentId);
