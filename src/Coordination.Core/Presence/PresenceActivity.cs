using System.Collections.Concurrent;
using Coordination.Core.Configuration;
using Coordination.Core.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Presence;

/// <summary>
/// Any authenticated call by an agent counts as a sign of life: it refreshes the member's last-seen time, so an agent
/// busy claiming and completing never shows offline. Coalesced: at most one write per agent per
/// <see cref="Interval"/> on each instance (a third of the presence TTL, capped at 30 s), so an agent making hundreds
/// of calls a minute costs about two merges a minute, and one that stops is still seen offline within the TTL.
/// </summary>
public sealed class PresenceActivity(TableStore table, CoordinationSettings settings, TimeProvider clock)
{
    // Bounded by the number of agents calling this instance; a removed agent's entry is dropped on its next miss.
    private readonly ConcurrentDictionary<(string Swarm, string Agent), DateTimeOffset> _lastWritten = new();

    /// <summary>How often one agent's activity is written at most.</summary>
    public TimeSpan Interval => settings.PresenceTtl / 3 < TimeSpan.FromSeconds(30) ? settings.PresenceTtl / 3 : TimeSpan.FromSeconds(30);

    /// <summary>Records that the agent was heard from now: a merge of its last-seen time when the last one is older than <see cref="Interval"/>.</summary>
    public async Task NoteAsync(string swarmId, string agentId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var key = (swarmId, agentId);
        if (_lastWritten.TryGetValue(key, out var last) && now - last < Interval)
        {
            return;
        }
        _lastWritten[key] = now;
        // A merge without a condition that never creates: a member removed meanwhile stays removed (NotFound).
        var result = await table.UpdateEntityAsync(MemberRows.ActivityPatch(swarmId, agentId, now), Azure.ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StorageOutcome.NotFound)
        {
            _lastWritten.TryRemove(key, out _);
        }
    }

    /// <summary>Tells the coalescer a heartbeat just wrote the last-seen time.</summary>
    public void Written(string swarmId, string agentId, DateTimeOffset at) => _lastWritten[(swarmId, agentId)] = at;
}
