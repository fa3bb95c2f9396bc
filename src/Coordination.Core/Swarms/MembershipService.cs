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
    TableStore table, EventLog events, SwarmDirectory directory, MemberAdmission admission, JoinGuard guard,
    TenantDirectory tenants, CoordinationSettings settings, TimeProvider clock, IEnumerable<IMemberDepartureHandler> departureHandlers)
{
    private const string JoinRefused = "Join refused: no active swarm matches this join code.";

    /// <summary>
    /// Joins with a join code (worker or observer) or the coordinator code (any role); a member's own agent id rejoins
    /// (<see cref="MemberAdmission"/>). Every kind of code mismatch answers the same 401, and such failures are rate
    /// limited per client; asking for more than the code grants is 403 <c>forbidden_role</c>.
    /// </summary>
    public async Task<Admission> JoinAsync(JoinSwarmRequest request, string client, CancellationToken cancellationToken)
    {
        guard.EnsureAllowed(client);
        var agentId = request.AgentId is null ? Ids.New("agent") : Validation.Identifier(request.AgentId, "agentId");
        if (agentId == "*")
        {
            throw Validation.Invalid("agentId", "'*' means every member (broadcast) and cannot be an agent id.");
        }
        var name = Validation.OptionalText(request.Name, "name", 100);
        var capabilities = request.Capabilities is null ? null : Validation.Labels(request.Capabilities, "capabilities");
        if (await ResolveAsync(request, cancellationToken).ConfigureAwait(false) is not var (swarm, grant))
        {
            guard.RecordFailure(client);
            throw new ProblemException(ProblemCatalog.Unauthorized, JoinRefused);
        }
        return await admission.AdmitAsync(swarm, new AdmissionRequest(agentId, name, capabilities, request.Role, grant, agentId), cancellationToken).ConfigureAwait(false)
            ?? throw new ProblemException(ProblemCatalog.Unauthorized, JoinRefused);
    }

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

    /// <summary>Refuses a change that would leave the swarm without a coordinator.</summary>
    internal static void EnsureNotLastCoordinator(int coordinators)
    {
        if (coordinators <= 1)
        {
            throw new ProblemException(ProblemCatalog.LastCoordinator,
                "The swarm would have no coordinator left: let another member join as coordinator first, or delete the swarm.");
        }
    }

    private static ProblemException NotMember(string agentId) => new(ProblemCatalog.NotFound, $"'{agentId}' is not a member of this swarm.");

    /// <summary>The active swarm the code opens and the role it grants, or null for any mismatch.</summary>
    private async Task<(SwarmRow Swarm, Role Grant)?> ResolveAsync(JoinSwarmRequest request, CancellationToken cancellationToken)
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
        if (!SwarmDirectory.IsSwarmId(swarmId))
        {
            return null;
        }
        var entity = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var swarm = entity is null ? null : SwarmRows.FromSwarm(entity);
        if (swarm is null || swarm.Status != SwarmStatus.Active || tenants.Find(swarm.TenantId) is null)
        {
            return null;
        }
        // Both compared, in constant time, whichever matches.
        var coordinatorCode = swarm.CoordinatorCode is { } stored && SwarmService.SameCode(stored, code);
        var joinCode = SwarmService.SameCode(swarm.JoinCode, code);
        return coordinatorCode ? (swarm, Role.Coordinator) : joinCode ? (swarm, Role.Worker) : null;
    }
}
