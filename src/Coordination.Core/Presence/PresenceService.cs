using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Presence;

/// <summary>
/// Presence: heartbeats (never logged, one unconditional merge each), queries, and the sweep that logs each
/// offline/online transition exactly once — the member row remembers what was last reported, and the
/// report and the event commit together under the row's ETag.
/// </summary>
public sealed class PresenceService(TableStore table, EventLog events, SwarmDirectory directory, TenantDirectory tenants, PresenceActivity activity, CoordinationSettings settings, TimeProvider clock)
{
    /// <summary>Swarms one sweep visits at most (bounded work per timer invocation).</summary>
    public const int MaxSwarmsPerSweep = 500;

    /// <summary>Records a heartbeat for the caller.</summary>
    public async Task<MemberView> HeartbeatAsync(string swarmId, Caller caller, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var text = request.Status ?? MemberRows.StatusText(PresenceStatus.Online);
        var status = MemberRows.ParseStatus(text)
            ?? throw Validation.Invalid("status", $"must be one of {string.Join(", ", MemberRows.StatusTexts)}; got '{text}'.");
        var capabilities = request.Capabilities is null ? null : Validation.Labels(request.Capabilities, "capabilities");
        var limit = tenants.Find(caller.TenantId)?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes;
        var metadata = request.Metadata is null ? null : Validation.Payload(request.Metadata, "metadata", limit);
        var now = clock.GetUtcNow();
        var patch = MemberRows.HeartbeatPatch(swarmId, caller.AgentId!, status, now, capabilities, metadata);
        var result = await table.UpdateEntityAsync(patch, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StorageOutcome.NotFound)
        {
            throw new ProblemException(ProblemCatalog.Unauthorized, "You are no longer a member of this swarm.");
        }
        activity.Written(swarmId, caller.AgentId!, now);
        return await GetAsync(swarmId, caller.AgentId!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One member's presence.</summary>
    public async Task<MemberView> GetAsync(string swarmId, string agentId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new ProblemException(ProblemCatalog.NotFound, $"'{agentId}' is not a member of this swarm.");
        return MemberRows.ToView(MemberRows.From(row), clock.GetUtcNow(), settings.PresenceTtl);
    }

    /// <summary>
    /// A page of the members with a capability and/or seen within the last days, most recently seen first (then by id);
    /// <paramref name="cursor"/> is a previous page's <c>nextCursor</c>.
    /// </summary>
    public async Task<ListPage<MemberView>> FindAsync(string swarmId, string? capability, int? activeWithinDays, int limit, string? cursor, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, 1000);
        if (activeWithinDays is { } days)
        {
            Validation.InRange(days, "activeWithinDays", 1, 3650);
        }
        var after = cursor is null ? ((long, string)?)null : AgentCursor.Parse(cursor);
        var now = clock.GetUtcNow();
        var found = new List<MemberView>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var member = MemberRows.ToView(MemberRows.From(row), now, settings.PresenceTtl);
            if (capability is not null && !member.Capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            if (activeWithinDays is { } d && now - member.LastSeen > TimeSpan.FromDays(d))
            {
                continue;
            }
            if (after is { } position && !AgentCursor.IsAfter(member, position))
            {
                continue;
            }
            found.Add(member);
        }
        var page = found.OrderByDescending(m => m.LastSeen).ThenBy(m => m.AgentId, StringComparer.Ordinal).Take(limit).ToList();
        var more = found.Count > limit;
        return new ListPage<MemberView>(page, more ? AgentCursor.After(page[^1]) : null, more);
    }

    /// <summary>
    /// Logs presence transitions: an agent whose heartbeat passed the TTL gets <c>agent.offline</c>, one that
    /// heartbeats again gets <c>agent.online</c>. Returns lines for the trigger log.
    /// </summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var (swarms, transitions) = await directory.SweepAsync(MaxSwarmsPerSweep, SweepSwarmAsync, cancellationToken).ConfigureAwait(false);
        return [$"presence: {swarms} swarms swept, {transitions} transitions logged"];
    }

    private async Task<int> SweepSwarmAsync(string swarmId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var transitions = 0;
        await foreach (var entity in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var row = MemberRows.From(entity);
            var current = MemberRows.IsOnline(row, now, settings.PresenceTtl) ? PresenceReport.Online : PresenceReport.Offline;
            if (row.Reported != current)
            {
                transitions += await ReportAsync(row, current, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }
        }
        if (transitions > 0)
        {
            events.Committed(swarmId);
        }
        return transitions;
    }

    /// <summary>Records and logs one transition; false when it lost a race.</summary>
    private async Task<bool> ReportAsync(MemberRow row, PresenceReport current, CancellationToken cancellationToken)
    {
        var result = await table.SubmitTransactionAsync(
        [
            TableActions.Merge(MemberRows.ReportedPatch(row.SwarmId, row.AgentId, current), row.ETag),
            events.Append(row.SwarmId, PendingEvent.Of("agent." + MemberRows.ReportText(current), row.AgentId,
                new { agentId = row.AgentId, lastSeen = row.LastHeartbeat }, PendingEvent.SystemActor)),
        ], cancellationToken).ConfigureAwait(false);
        // 412: a heartbeat or another sweep changed the row; 404: the member left. Either way the next sweep decides again.
        return result.Succeeded;
    }
}
