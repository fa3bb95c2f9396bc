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
/// <param name="JoinCode">Shown to coordinators only.</param>
public sealed record SwarmView(string SwarmId, string Name, string? Goal, int MaxAgents, string Status, int MemberCount, DateTimeOffset CreatedAt, string CreatedBy, string? JoinCode);

/// <summary>A member's credentials: the bearer token to call the swarm's routes with.</summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Role">Its role.</param>
/// <param name="Token">Agent token (<c>ct_…</c>); send as <c>Authorization: Bearer</c>.</param>
/// <param name="ExpiresAt">When the token expires (join again for a new one).</param>
public sealed record AgentCredentials(string SwarmId, string AgentId, Role Role, string Token, DateTimeOffset ExpiresAt);

/// <summary>The result of creating a swarm: its id and join code at the top, the creator's coordinator credentials, and the swarm.</summary>
/// <param name="SwarmId">The new swarm's id (<c>swarm_…</c>).</param>
/// <param name="JoinCode">Code others join with.</param>
/// <param name="AgentId">The creator's agent id (the coordinator).</param>
/// <param name="Role">Always <c>coordinator</c>.</param>
/// <param name="Token">The creator's agent token (<c>ct_…</c>); send as <c>Authorization: Bearer</c>.</param>
/// <param name="ExpiresAt">When the token expires.</param>
/// <param name="Swarm">The swarm as its coordinator sees it.</param>
public sealed record CreateSwarmResponse(string SwarmId, string JoinCode, string AgentId, Role Role, string Token, DateTimeOffset ExpiresAt, SwarmView Swarm);

/// <summary>Join a swarm with its join code (no other credentials).</summary>
/// <param name="JoinCode">The swarm's join code (case and dashes ignored).</param>
/// <param name="Role">coordinator, worker or observer.</param>
/// <param name="SwarmId">Optional: the swarm the code belongs to.</param>
/// <param name="AgentId">Optional chosen agent id (1–128 characters); generated when absent.</param>
/// <param name="Name">Display name.</param>
/// <param name="Capabilities">What the agent can do (labels).</param>
public sealed record JoinSwarmRequest(string JoinCode, Role Role, string? SwarmId = null, string? AgentId = null, string? Name = null, IReadOnlyList<string>? Capabilities = null);

/// <summary>A member with its presence.</summary>
/// <param name="AgentId">Agent id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Role">Role.</param>
/// <param name="Status">Last reported status: online, busy, away — or offline when the heartbeat is older than the presence TTL.</param>
/// <param name="Online">True while the last heartbeat is within the presence TTL.</param>
/// <param name="Capabilities">Capabilities.</param>
/// <param name="Metadata">Free-form metadata from the last heartbeat.</param>
/// <param name="LastHeartbeat">Time of the last heartbeat (the join counts as one).</param>
/// <param name="JoinedAt">When it joined.</param>
public sealed record MemberView(string AgentId, string? Name, Role Role, string Status, bool Online, IReadOnlyList<string> Capabilities, JsonElement? Metadata, DateTimeOffset LastHeartbeat, DateTimeOffset JoinedAt);
