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
        var swarmId = swarm.PartitionKey;
        var maxAgents = swarm.GetInt32("MaxAgents") ?? 0;
        var tokenId = Ids.RandomText(16);

        using (await gate.EnterAsync(swarmId + "\nmembers", cancellationToken).ConfigureAwait(false))
        {
            await AddMemberAsync(swarmId, agentId, name, capabilities, request.Role, maxAgents, tokenId, cancellationToken).ConfigureAwait(false);
        }

        directory.Invalidate(swarmId, agentId);
        events.Committed(swarmId);
        var (token, claims) = tokens.Issue(swarm.GetString("TenantId")!, swarmId, agentId, request.Role, tokenId);
        return new AgentCredentials(swarmId, agentId, request.Role, token, claims.ExpiresAt);
    }

    private Task AddMemberAsync(string swarmId, string agentId, string? name, IReadOnlyList<string> capabilities, Role role, int maxAgents, string tokenId, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync<object>(async ct =>
        {
            var members = await table.GetEntityAsync(swarmId, SwarmRows.MembersKey, cancellationToken: ct).ConfigureAwait(false);
            var count = members?.GetInt32("Count") ?? 0;
            if (count >= maxAgents)
            {
                throw new ProblemException(ProblemCatalog.QuotaExceeded, $"The swarm has {count} members; its maxAgents is {maxAgents}.",
                    new Dictionary<string, object?> { ["limit"] = maxAgents });
            }
            var coordinators = (members?.GetInt32("Coordinators") ?? 0) + (role == Role.Coordinator ? 1 : 0);
            var result = await table.SubmitTransactionAsync(
            [
                TableActions.Replace(new TableEntity(swarmId, SwarmRows.MembersKey) { ["Count"] = count + 1, ["Coordinators"] = coordinators }, members?.ETag ?? Azure.ETag.All),
                TableActions.Add(MemberRows.New(swarmId, agentId, name, role, tokenId, capabilities, clock.GetUtcNow())),
                events.Append(swarmId, PendingEvent.Of("agent.joined", agentId, new { agentId, role = SwarmRows.RoleText(role), name, capabilities }, agentId)),
            ], ct).ConfigureAwait(false);
            if (result is { Succeeded: false, FailedIndex: 1, Outcome: StorageOutcome.AlreadyExists })
            {
                throw new ProblemException(ProblemCatalog.AlreadyExists, $"Agent id '{agentId}' is already a member; choose another id or leave first.");
            }
            return result.Succeeded ? new object() : null;
        }, "the swarm's members", cancellationToken);

    /// <summary>Every member with its presence.</summary>
    public async Task<IReadOnlyList<MemberView>> ListAsync(string swarmId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var members = new List<MemberView>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            members.Add(MemberRows.ToView(row, now, settings.PresenceTtl));
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
        var self = caller.AgentId == agentId;
        if (!self && !caller.HasRole(Role.Coordinator))
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may remove another member; any member may remove itself (leave).");
        }
        if ((await directory.GetSwarmAsync(swarmId, cancellationToken).ConfigureAwait(false))?.IsArchived == true)
        {
            throw new ProblemException(ProblemCatalog.SwarmArchived, "The swarm is archived: its membership no longer changes.");
        }
        var leaving = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), ["Role"], cancellationToken).ConfigureAwait(false)
            ?? throw new ProblemException(ProblemCatalog.NotFound, $"'{agentId}' is not a member of this swarm.");
        if (SwarmRows.ParseRole(leaving.GetString("Role")) == Role.Coordinator)
        {
            // Checked before anything is released; the transaction below checks again under the counter's ETag.
            var counts = await table.GetEntityAsync(swarmId, SwarmRows.MembersKey, ["Coordinators"], cancellationToken).ConfigureAwait(false);
            EnsureNotLastCoordinator(counts?.GetInt32("Coordinators") ?? 0);
        }
        foreach (var handler in departureHandlers)
        {
            await handler.ReleaseAsync(swarmId, agentId, caller, cancellationToken).ConfigureAwait(false);
        }
        await OptimisticRetry.RunAsync<object>(async ct =>
        {
            var member = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), cancellationToken: ct).ConfigureAwait(false)
                ?? throw new ProblemException(ProblemCatalog.NotFound, $"'{agentId}' is not a member of this swarm.");
            var members = await table.GetEntityAsync(swarmId, SwarmRows.MembersKey, cancellationToken: ct).ConfigureAwait(false);
            var count = members?.GetInt32("Count") ?? 1;
            var coordinators = members?.GetInt32("Coordinators") ?? 0;
            if (SwarmRows.ParseRole(member.GetString("Role")) == Role.Coordinator)
            {
                EnsureNotLastCoordinator(coordinators);
                coordinators--;
            }
            var type = self ? "agent.left" : "agent.removed";
            var result = await table.SubmitTransactionAsync(
            [
                TableActions.Delete(swarmId, member.RowKey, member.ETag),
                TableActions.Replace(new TableEntity(swarmId, SwarmRows.MembersKey) { ["Count"] = Math.Max(0, count - 1), ["Coordinators"] = coordinators }, members?.ETag ?? Azure.ETag.All),
                events.Append(swarmId, PendingEvent.Of(type, agentId, new { agentId, by = caller.Actor }, caller.Actor)),
            ], ct).ConfigureAwait(false);
            return result.Succeeded ? new object() : null;
        }, "the swarm's members", cancellationToken).ConfigureAwait(false);
        directory.Invalidate(swarmId, agentId);
        events.Committed(swarmId);
    }

    private static void EnsureNotLastCoordinator(int coordinators)
    {
        if (coordinators <= 1)
        {
            throw new ProblemException(ProblemCatalog.LastCoordinator,
                "The swarm would have no coordinator left: let another member join as coordinator first, or delete the swarm.");
        }
    }

    private async Task<TableEntity?> ResolveAsync(JoinSwarmRequest request, CancellationToken cancellationToken)
    {
        var code = JoinCodes.Normalize(request.JoinCode);
        if (code is null)
        {
            return null;
        }
        var swarmId = request.SwarmId;
        if (swarmId is null)
        {
            var lookup = await table.GetEntityAsync(SwarmRows.JoinCodePartition, code, cancellationToken: cancellationToken).ConfigureAwait(false);
            swarmId = lookup?.GetString("SwarmId");
        }
        if (swarmId is null || !swarmId.StartsWith("swarm_", StringComparison.Ordinal) || swarmId.Length > 64 || swarmId.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_'))
        {
            return null;
        }
        var swarm = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return swarm is not null
               && SwarmService.SameCode(swarm.GetString("JoinCode") ?? string.Empty, code)
               && swarm.GetString("Status") == SwarmRows.Status.Active
               && tenants.Find(swarm.GetString("TenantId")!) is not null
            ? swarm
            : null;
    }
}
