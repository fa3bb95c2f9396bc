using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Presence;

/// <summary>A heartbeat: status and, optionally, new capabilities and metadata.</summary>
/// <param name="Status">online, busy or away (default online).</param>
/// <param name="Capabilities">Replaces the capabilities when given.</param>
/// <param name="Metadata">Replaces the metadata (any JSON) when given.</param>
public sealed record HeartbeatRequest(string? Status = null, IReadOnlyList<string>? Capabilities = null, JsonElement? Metadata = null);

/// <summary>
/// Presence: heartbeats (never logged, one unconditional merge each), queries, and the sweep that logs each
/// offline/online transition exactly once — the member row remembers what was last reported, and the
/// report and the event commit together under the row's ETag.
/// </summary>
public sealed class PresenceService(TableStore table, EventLog events, SwarmDirectory directory, TenantDirectory tenants, CoordinationSettings settings, TimeProvider clock)
{
    private static readonly string[] Statuses = ["online", "busy", "away"];

    /// <summary>Swarms one sweep visits at most (bounded work per timer invocation).</summary>
    public const int MaxSwarmsPerSweep = 500;

    /// <summary>Records a heartbeat for the caller.</summary>
    public async Task<MemberView> HeartbeatAsync(string swarmId, Caller caller, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var status = request.Status ?? "online";
        if (!Statuses.Contains(status))
        {
            throw Validation.Invalid("status", $"must be one of {string.Join(", ", Statuses)}; got '{status}'.");
        }
        var tenant = tenants.Find(caller.TenantId);
        var now = clock.GetUtcNow();
        var update = new TableEntity(swarmId, SwarmRows.AgentKey(caller.AgentId!)) { ["Status"] = status, ["LastHeartbeat"] = now };
        if (request.Capabilities is not null)
        {
            StoredJson.Write(update, "Capabilities", JsonSerializer.Serialize(Validation.Labels(request.Capabilities, "capabilities")));
        }
        if (request.Metadata is not null)
        {
            StoredJson.Write(update, "Metadata", Validation.Payload(request.Metadata, "metadata", tenant?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes));
        }
        var result = await table.UpdateEntityAsync(update, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StorageOutcome.NotFound)
        {
            throw new ProblemException(ProblemCatalog.Unauthorized, "You are no longer a member of this swarm.");
        }
        return await GetAsync(swarmId, caller.AgentId!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One member's presence.</summary>
    public async Task<MemberView> GetAsync(string swarmId, string agentId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new ProblemException(ProblemCatalog.NotFound, $"'{agentId}' is not a member of this swarm.");
        return MemberRows.ToView(row, clock.GetUtcNow(), settings.PresenceTtl);
    }

    /// <summary>Members with a capability and/or a heartbeat within the last days, most recently seen first.</summary>
    public async Task<IReadOnlyList<MemberView>> FindAsync(string swarmId, string? capability, int? activeWithinDays, int limit, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, 1000);
        if (activeWithinDays is { } days)
        {
            Validation.InRange(days, "activeWithinDays", 1, 3650);
        }
        var now = clock.GetUtcNow();
        var found = new List<MemberView>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var member = MemberRows.ToView(row, now, settings.PresenceTtl);
            if (capability is not null && !member.Capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            if (activeWithinDays is { } d && now - member.LastHeartbeat > TimeSpan.FromDays(d))
            {
                continue;
            }
            found.Add(member);
        }
        return found.OrderByDescending(m => m.LastHeartbeat).Take(limit).ToList();
    }

    /// <summary>
    /// Logs presence transitions: an agent whose heartbeat passed the TTL gets <c>agent.offline</c>, one that
    /// heartbeats again gets <c>agent.online</c>. Returns lines for the trigger log.
    /// </summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var swarms = 0;
        var transitions = 0;
        await foreach (var swarmId in directory.ListSwarmIdsAsync(MaxSwarmsPerSweep, cancellationToken).ConfigureAwait(false))
        {
            swarms++;
            transitions += await SweepSwarmAsync(swarmId, cancellationToken).ConfigureAwait(false);
        }
        return [$"presence: {swarms} swarms swept, {transitions} transitions logged"];
    }

    private async Task<int> SweepSwarmAsync(string swarmId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var transitions = 0;
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var online = MemberRows.ToView(row, now, settings.PresenceTtl).Online;
            var reported = row.GetString("Reported") ?? MemberRows.Reported.Online;
            var current = online ? MemberRows.Reported.Online : MemberRows.Reported.Offline;
            if (reported == current)
            {
                continue;
            }
            var agentId = row.GetString("AgentId")!;
            var update = new TableEntity(swarmId, row.RowKey) { ["Reported"] = current };
            var lastHeartbeat = row.GetDateTimeOffset("LastHeartbeat");
            var result = await table.SubmitTransactionAsync(
            [
                TableActions.Merge(update, row.ETag),
                events.Append(swarmId, PendingEvent.Of("agent." + current, agentId, new { agentId, lastHeartbeat }, PendingEvent.SystemActor)),
            ], cancellationToken).ConfigureAwait(false);
            // A lost race means a heartbeat or another sweep changed the row; the next sweep decides again.
            if (result.Succeeded)
            {
                transitions++;
            }
        }
        if (transitions > 0)
        {
            events.Committed(swarmId);
        }
        return transitions;
    }
}
