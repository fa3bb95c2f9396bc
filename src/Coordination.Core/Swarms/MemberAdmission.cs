using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>What an admission asks for, and what the credential presented for it grants.</summary>
/// <param name="AgentId">The agent (validated).</param>
/// <param name="Name">Display name; null keeps a rejoining member's.</param>
/// <param name="Capabilities">Capabilities (validated); null keeps a rejoining member's.</param>
/// <param name="Role">The role asked for.</param>
/// <param name="Grant">The highest role the credential grants: worker for the join code, coordinator for the coordinator code or a tenant key.</param>
/// <param name="Actor">Who admits: the agent itself when it joins, <c>tenant:{id}</c> when a tenant mints.</param>
public sealed record AdmissionRequest(string AgentId, string? Name, IReadOnlyList<string>? Capabilities, Role Role, Role Grant, string Actor);

/// <summary>
/// Admits an agent: as a new member (counted against maxAgents, <c>agent.joined</c>), or again — a rejoin — with a
/// fresh token id in its member row, which revokes the old token. A rejoin is not counted again, so it works in a full
/// swarm (<c>agent.rejoined</c>). The role never rises above the grant, and a member whose role is above the grant
/// cannot be rejoined with it (the join code cannot take over a coordinator's id). Each outcome is one transaction
/// under the ETags of the member counter and/or the member row, with its event.
/// </summary>
public sealed class MemberAdmission(TableStore table, EventLog events, SwarmDirectory directory, AgentTokens tokens, TimeProvider clock, StripedGate gate)
{
    /// <summary>Admits the agent; null when the swarm is being deleted (its member counter is gone).</summary>
    public async Task<Admission?> AdmitAsync(SwarmRow swarm, AdmissionRequest request, CancellationToken cancellationToken)
    {
        EnsureGranted(request.Role, request.Grant);
        var tokenId = Ids.RandomText(16);
        object outcome;
        using (await gate.EnterAsync(swarm.SwarmId + "\nmembers", cancellationToken).ConfigureAwait(false))
        {
            outcome = await OptimisticRetry.RunAsync<object>(async ct =>
            {
                var existing = await table.GetEntityAsync(swarm.SwarmId, SwarmRows.AgentKey(request.AgentId), cancellationToken: ct).ConfigureAwait(false) is { } row
                    ? MemberRows.From(row)
                    : null;
                return existing is null
                    ? await AddAsync(swarm, request, tokenId, ct).ConfigureAwait(false)
                    : await RefreshAsync(swarm, existing, request, tokenId, ct).ConfigureAwait(false);
            }, "the swarm's members", cancellationToken).ConfigureAwait(false);
        }
        if ((Outcome)outcome == Outcome.Gone)
        {
            return null;
        }
        directory.Invalidate(swarm.SwarmId, request.AgentId);
        events.Committed(swarm.SwarmId);
        var (token, claims) = tokens.Issue(swarm.TenantId, swarm.SwarmId, request.AgentId, request.Role, tokenId);
        return new Admission(new AgentCredentials(swarm.SwarmId, request.AgentId, request.Role, token, claims.ExpiresAt), (Outcome)outcome == Outcome.Added);
    }

    private enum Outcome
    {
        Added,
        Refreshed,
        Gone,
    }

    // Boxed so OptimisticRetry (reference results; null = lost a race) can carry them.
    private static readonly object AddedResult = Outcome.Added, RefreshedResult = Outcome.Refreshed, GoneResult = Outcome.Gone;

    /// <summary>A new member, counted in; null when it lost a race (then the retry sees the member or the new count).</summary>
    private async Task<object?> AddAsync(SwarmRow swarm, AdmissionRequest request, string tokenId, CancellationToken ct)
    {
        if (swarm.Status == SwarmStatus.Archived)
        {
            throw Archived();
        }
        var counts = await ReadCountsAsync(swarm.SwarmId, ct).ConfigureAwait(false);
        if (counts is null)
        {
            return GoneResult;
        }
        if (counts.Count >= swarm.MaxAgents)
        {
            throw new ProblemException(ProblemCatalog.QuotaExceeded, $"The swarm has {counts.Count} members; its maxAgents is {swarm.MaxAgents}.",
                new Dictionary<string, object?> { ["limit"] = swarm.MaxAgents });
        }
        var (agentId, role) = (request.AgentId, request.Role);
        var next = new MemberCountRow(swarm.SwarmId, counts.Count + 1, counts.Coordinators + (role == Role.Coordinator ? 1 : 0));
        var capabilities = request.Capabilities ?? [];
        var member = MemberRows.New(swarm.SwarmId, agentId, request.Name, role, tokenId, capabilities, clock.GetUtcNow());
        var result = await table.SubmitTransactionAsync(
        [
            TableActions.Replace(SwarmRows.ToEntity(next), counts.ETag),
            TableActions.Add(MemberRows.ToEntity(member)),
            events.Append(swarm.SwarmId, PendingEvent.Of("agent.joined", agentId, new { agentId, role = SwarmRows.RoleText(role), name = request.Name, capabilities }, request.Actor)),
        ], ct).ConfigureAwait(false);
        return result switch
        {
            { Succeeded: true } => AddedResult,
            // The counter goes only with the swarm: it is being deleted.
            { FailedIndex: 0, Outcome: StorageOutcome.NotFound } => GoneResult,
            // 412 on the counter (another join or leave) or the member row appeared meanwhile: decide again.
            _ => null,
        };
    }

    /// <summary>A rejoin: a fresh token id (revoking the old token), the role asked for, counted again only when the coordinator count changes.</summary>
    private async Task<object?> RefreshAsync(SwarmRow swarm, MemberRow existing, AdmissionRequest request, string tokenId, CancellationToken ct)
    {
        if (existing.Role > request.Grant)
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole,
                $"'{existing.AgentId}' is a {SwarmRows.RoleText(existing.Role)}; rejoining it needs the swarm's coordinator code (the join code grants only the worker or observer role).",
                new Dictionary<string, object?> { ["requiredRole"] = SwarmRows.RoleText(existing.Role) });
        }
        if (swarm.Status == SwarmStatus.Archived && existing.Role != request.Role)
        {
            throw Archived();
        }
        var coordinatorDelta = (request.Role == Role.Coordinator ? 1 : 0) - (existing.Role == Role.Coordinator ? 1 : 0);
        var counts = coordinatorDelta == 0 ? null : await ReadCountsAsync(swarm.SwarmId, ct).ConfigureAwait(false);
        if (coordinatorDelta != 0 && counts is null)
        {
            return GoneResult;
        }
        if (coordinatorDelta < 0)
        {
            MembershipService.EnsureNotLastCoordinator(counts!.Coordinators);
        }
        var updated = existing with
        {
            Role = request.Role, TokenId = tokenId, Name = request.Name ?? existing.Name, Capabilities = request.Capabilities ?? existing.Capabilities,
            Status = PresenceStatus.Online, LastHeartbeat = clock.GetUtcNow(),
        };
        var agentId = existing.AgentId;
        var actions = new List<Azure.Data.Tables.TableTransactionAction>
        {
            TableActions.Replace(MemberRows.ToEntity(updated), existing.ETag),
            events.Append(swarm.SwarmId, PendingEvent.Of("agent.rejoined", agentId,
                new { agentId, role = SwarmRows.RoleText(request.Role), previousRole = SwarmRows.RoleText(existing.Role), by = request.Actor }, request.Actor)),
        };
        if (counts is not null)
        {
            actions.Insert(1, TableActions.Replace(SwarmRows.ToEntity(counts with { Coordinators = counts.Coordinators + coordinatorDelta }), counts.ETag));
        }
        var result = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
        return result switch
        {
            { Succeeded: true } => RefreshedResult,
            { FailedIndex: 1, Outcome: StorageOutcome.NotFound } when counts is not null => GoneResult,
            // 412 on the member (a heartbeat or activity merge) or the counter, or the member left meanwhile: decide again.
            _ => null,
        };
    }

    /// <summary>Refuses a role above the grant, naming what the credential grants and what would grant more.</summary>
    private static void EnsureGranted(Role role, Role grant)
    {
        if (role > grant)
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole,
                $"The join code grants only the worker or observer role; joining as {SwarmRows.RoleText(role)} needs the swarm's coordinator code " +
                "(returned when the swarm was created; coordinators read it with GET /api/swarms/{id}) or a token minted with the tenant key.",
                new Dictionary<string, object?>
                {
                    ["requiredRole"] = SwarmRows.RoleText(role),
                    ["allowed"] = Enum.GetValues<Role>().Where(r => r <= grant).Select(SwarmRows.RoleText).ToArray(),
                });
        }
    }

    private static ProblemException Archived() => new(ProblemCatalog.SwarmArchived, "The swarm is archived: its membership no longer changes.");

    private async Task<MemberCountRow?> ReadCountsAsync(string swarmId, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(swarmId, SwarmRows.MembersKey, cancellationToken: cancellationToken).ConfigureAwait(false) is { } row
            ? SwarmRows.FromMemberCount(row)
            : null;
}
