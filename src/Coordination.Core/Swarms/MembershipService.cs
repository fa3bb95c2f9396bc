using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>Joining, listing, leaving and removing members.</summary>
public sealed class MembershipService(
    TableStore table, EventLog events, SwarmDirectory directory, AgentTokens tokens, JoinGuard guard,
    TenantDirectory tenants, CoordinationSettings settings, TimeProvider clock, StripedGate gate, IEnumerable<IMemberDepartureHandler> departureHandlers)
{
    private const string JoinRefused = "Join refused: no active swarm matches this join code.";

    /// <summary>Joins with a join code. Every kind of mismatch answers the same 401, and failures are rate limited per client.</summary>
    public async Task<AgentCredentials> JoinAsync(JoinSwarmRequest request, string client, CancellationToken cancellationToken)
    {
        guard.EnsureAllowed(client);
        var agentId = request.AgentId is null ? Ids.New("agent") : Validation.Identifier(request.AgentId, "agentId");
        if (agentId == "*")
        {
            throw Validation.Invalid("agentId", "'*' means every member (broadcast) and cannot be an agent id.");
        }
        var name = Validation.OptionalText(request.Name, "name", 100);
        var capabilities = Validation.Labels(request.Capabilities, "capabilities");
        var swarm = await ResolveAsync(request, cancellationToken).ConfigureAwait(false);
        if (swarm is null)
        {
            guard.RecordFailure(client);
            throw new ProblemException(ProblemCatalog.Unauthorized, JoinRefused);
        }
        var tokenId = Ids.RandomText(16);

        using (await gate.EnterAsync(swarm.SwarmId + "\nmembers", cancellationToken).ConfigureAwait(false))
        {
            await AddMemberAsync(swarm, agentId, name, capabilities, request.Role, tokenId, cancellationToken).ConfigureAwait(false);
        }

        directory.Invalidate(swarm.SwarmId, agentId);
        events.Committed(swarm.SwarmId);
        var (token, claims) = tokens.Issue(swarm.TenantId, swarm.SwarmId, agentId, request.Role, tokenId);
        return new AgentCredentials(swarm.SwarmId, agentId, request.Role, token, claims.ExpiresAt);
    }

    private Task AddMemberAsync(SwarmRow swarm, string agentId, string? name, IReadOnlyList<string> capabilities, Role role, string tokenId, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync<object>(async ct =>
        {
            var counts = await ReadCountsAsync(swarm.SwarmId, ct).ConfigureAwait(false);
            var count = counts?.Count ?? 0;
            if (count >= swarm.MaxAgents)
            {
                throw new ProblemException(ProblemCatalog.QuotaExceeded, $"The swarm has {count} members; its maxAgents is {swarm.MaxAgents}.",
                    new Dictionary<string, object?> { ["limit"] = swarm.MaxAgents });
            }
            var next = new MemberCountRow(swarm.SwarmId, count + 1, (counts?.Coordinators ?? 0) + (role == Role.Coordinator ? 1 : 0));
            var member = MemberRows.New(swarm.SwarmId, agentId, name, role, tokenId, capabilities, clock.GetUtcNow());
            var result = await table.SubmitTransactionAsync(
            [
                TableActions.Replace(SwarmRows.ToEntity(next), counts?.ETag ?? Azure.ETag.All),
                TableActions.Add(MemberRows.ToEntity(member)),
                events.Append(swarm.SwarmId, PendingEvent.Of("agent.joined", agentId, new { agentId, role = SwarmRows.RoleText(role), name, capabilities }, agentId)),
            ], ct).ConfigureAwait(false);
            return result switch
            {
                { Succeeded: true } => new object(),
                { FailedIndex: 1, Outcome: StorageOutcome.AlreadyExists } =>
                    throw new ProblemException(ProblemCatalog.AlreadyExists, $"Agent id '{agentId}' is already a member; choose another id or leave first."),
                // The counter is written with every swarm and goes only with it: the swarm is being deleted.
                { FailedIndex: 0, Outcome: StorageOutcome.NotFound } => throw new ProblemException(ProblemCatalog.Unauthorized, JoinRefused),
                // 412 on the counter: another join or leave came first; decide again on fresh counts.
                _ => null,
            };
        }, "the swarm's members", cancellationToken);

    /// <summary>Every member with its presence.</summary>
    public async Task<IReadOnlyList<MemberView>> ListAsync(string swarmId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var members = new List<MemberView>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            members.Add(MemberRows.ToView(MemberRows.From(row), now, settings.PresenceTtl));
        }
        return members;
    }

    /// <summary>
    /// Removes a member (its own leave, or a coordinator's removal): the membership row goes, which revokes its
    /// token, and the member and coordinator counts drop, in one transaction with the event. The last
    /// coordinator cannot go (nobody could then archive or delete the swarm), and an archived swarm keeps its members.
    /// </summary>
    public async Task RemoveAsync(string swarmId, string agentId, Caller caller, CancellationToken cancellationToken)
    {
        if (caller.AgentId != agentId && !caller.HasRole(Role.Coordinator))
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may remove another member; any member may remove itself (leave).");
        }
        if ((await directory.GetSwarmAsync(swarmId, cancellationToken).ConfigureAwait(false))?.IsArchived == true)
        {
            throw new ProblemException(ProblemCatalog.SwarmArchived, "The swarm is archived: its membership no longer changes.");
        }
        var leaving = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), MemberRows.InfoSelect, cancellationToken).ConfigureAwait(false)
            ?? throw NotMember(agentId);
        if (MemberRows.ToInfo(leaving).Role == Role.Coordinator)
        {
            // Checked before anything is released; the transaction below checks again under the counter's ETag.
            EnsureNotLastCoordinator((await ReadCountsAsync(swarmId, cancellationToken).ConfigureAwait(false))?.Coordinators ?? 0);
        }
        foreach (var handler in departureHandlers)
        {
            await handler.ReleaseAsync(swarmId, agentId, caller, cancellationToken).ConfigureAwait(false);
        }
        await OptimisticRetry.RunAsync(ct => DeleteMemberAsync(swarmId, agentId, caller, ct), "the swarm's members", cancellationToken).ConfigureAwait(false);
        directory.Invalidate(swarmId, agentId);
        events.Committed(swarmId);
    }

    /// <summary>Deletes the member row and counts it out; null when it lost a race.</summary>
    private async Task<object?> DeleteMemberAsync(string swarmId, string agentId, Caller caller, CancellationToken cancellationToken)
    {
        var member = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), cancellationToken: cancellationToken).ConfigureAwait(false) is { } entity
            ? MemberRows.From(entity)
            : throw NotMember(agentId);
        var counts = await ReadCountsAsync(swarmId, cancellationToken).ConfigureAwait(false);
        var coordinators = counts?.Coordinators ?? 0;
        if (member.Role == Role.Coordinator)
        {
            EnsureNotLastCoordinator(coordinators);
            coordinators--;
        }
        var next = new MemberCountRow(swarmId, Math.Max(0, (counts?.Count ?? 1) - 1), coordinators);
        var type = caller.AgentId == agentId ? "agent.left" : "agent.removed";
        var result = await table.SubmitTransactionAsync(
        [
            TableActions.Delete(swarmId, SwarmRows.AgentKey(agentId), member.ETag),
            TableActions.Replace(SwarmRows.ToEntity(next), counts?.ETag ?? Azure.ETag.All),
            events.Append(swarmId, PendingEvent.Of(type, agentId, new { agentId, by = caller.Actor }, caller.Actor)),
        ], cancellationToken).ConfigureAwait(false);
        return result switch
        {
            { Succeeded: true } => new object(),
            // The counter goes only with the swarm: it is being deleted.
            { FailedIndex: 1, Outcome: StorageOutcome.NotFound } when counts is null => throw SwarmService.NotFound(swarmId),
            // 412/404 on the member (a heartbeat, or it left meanwhile) or 412 on the counter (another join or leave):
            // re-read; a member that is gone by then answers not_found.
            _ => null,
        };
    }

    private async Task<MemberCountRow?> ReadCountsAsync(string swarmId, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(swarmId, SwarmRows.MembersKey, cancellationToken: cancellationToken).ConfigureAwait(false) is { } row
            ? SwarmRows.FromMemberCount(row)
            : null;

    private static void EnsureNotLastCoordinator(int coordinators)
    {
        if (coordinators <= 1)
        {
            throw new ProblemException(ProblemCatalog.LastCoordinator,
                "The swarm would have no coordinator left: let another member join as coordinator first, or delete the swarm.");
        }
    }

    private static ProblemException NotMember(string agentId) => new(ProblemCatalog.NotFound, $"'{agentId}' is not a member of this swarm.");

    private async Task<SwarmRow?> ResolveAsync(JoinSwarmRequest request, CancellationToken cancellationToken)
    {
        var code = JoinCodes.Normalize(request.JoinCode);
        if (code is null)
        {
            return null;
        }
        var swarmId = request.SwarmId;
        if (swarmId is null)
        {
            var lookup = await table.GetEntityAsync(GlobalRows.JoinCodePartition, code, cancellationToken: cancellationToken).ConfigureAwait(false);
            swarmId = lookup is null ? null : GlobalRows.FromJoinCode(lookup).SwarmId;
        }
        if (swarmId is null || !swarmId.StartsWith("swarm_", StringComparison.Ordinal) || swarmId.Length > 64 || swarmId.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
        {
            return null;
        }
        var entity = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var swarm = entity is null ? null : SwarmRows.FromSwarm(entity);
        return swarm is not null
               && SwarmService.SameCode(swarm.JoinCode, code)
               && swarm.Status == SwarmStatus.Active
               && tenants.Find(swarm.TenantId) is not null
            ? swarm
            : null;
    }
}
