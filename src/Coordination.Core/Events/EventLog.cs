using Azure.Data.Tables;
using Coordination.Core.Common;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Events;

/// <summary>
/// The write and read side of a swarm's log: changes add <see cref="Append"/>'s outbox row to their own
/// transaction and then <see cref="Committed(string, IEnumerable{TableTransactionAction})"/>; readers get events in sequence order.
/// </summary>
public sealed class EventLog(TableStore table, EventPump pump, EventNotifier notifier, TimeProvider clock)
{
    /// <summary>The outbox action to include in the change's transaction.</summary>
    public TableTransactionAction Append(string swarmId, PendingEvent pending) => TableActions.Add(EventRows.ToEntity(NewOutbox(swarmId, pending)));

    /// <summary>
    /// Call after the change's transaction committed: gets the event sequenced promptly. Prefer the overload that takes
    /// the transaction's actions: without them the sequencer has to scan the outbox.
    /// </summary>
    public void Committed(string swarmId) => pump.Kick(swarmId);

    /// <summary>Call after <paramref name="committed"/> (a transaction holding <see cref="Append"/>'s actions) committed.</summary>
    public void Committed(string swarmId, IEnumerable<TableTransactionAction> committed) =>
        pump.Kick(swarmId, committed.Where(action => action.ActionType == TableTransactionActionType.Add && action.Entity.RowKey.StartsWith(EventRows.OutboxPrefix, StringComparison.Ordinal))
            .Select(action => EventRows.FromOutbox((TableEntity)action.Entity)));

    /// <summary>Appends events on their own (a broadcast): one transaction of outbox rows. Returns the event ids.</summary>
    public async Task<IReadOnlyList<string>> AppendAsync(string swarmId, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        List<TableTransactionAction> committed = [];
        var ids = await OptimisticRetry.RunAsync<IReadOnlyList<string>>(async ct =>
        {
            var rows = events.Select(e => NewOutbox(swarmId, e)).ToList();
            committed = rows.Select(r => TableActions.Add(EventRows.ToEntity(r))).ToList();
            var result = await table.SubmitTransactionAsync(committed, ct).ConfigureAwait(false);
            // Only inserts: AlreadyExists is an outbox key (commit ticks plus 12 random characters) meeting another one,
            // and fresh keys fix it; NotFound can only be the table itself (no insert meets PreconditionFailed).
            return result.Outcome switch
            {
                StorageOutcome.Succeeded => rows.Select(r => r.Content.EventId).ToList(),
                StorageOutcome.AlreadyExists => null,
                _ => throw TableMissing(),
            };
        }, "the event log", cancellationToken).ConfigureAwait(false);
        Committed(swarmId, committed);
        return ids;
    }

    /// <summary>
    /// Waits, at most <paramref name="limit"/>, until what this process committed for the swarm so far is sequenced: a
    /// heavy writer's backpressure, so it cannot run ahead of the log. Other writers keep the sequencer busy, which is
    /// why the wait is bounded.
    /// </summary>
    public async Task FlushAsync(string swarmId, TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await pump.FlushAsync(swarmId, cancellationToken).WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Sequencing goes on in the background; the writes are committed either way.
        }
    }

    /// <summary>Events after <see cref="EventQuery.After"/> matching the filter, in sequence order.</summary>
    public async Task<IReadOnlyList<SwarmEvent>> ReadAsync(string swarmId, EventQuery query, CancellationToken cancellationToken, bool waitForOwnWrites = true)
    {
        // A one-off reader must see the writes this process already acknowledged. Streams pass false: they wait on
        // the notifier instead, and a flush under steady writes would hold them until the writes pause (measured:
        // SSE p99 of seconds).
        if (waitForOwnWrites)
        {
            await pump.FlushAsync(swarmId, cancellationToken).ConfigureAwait(false);
        }
        var events = new List<SwarmEvent>(Math.Min(query.Limit, 1000));
        await foreach (var entity in table.QueryAsync(EventRows.Matching(swarmId, query), maxPerPage: Math.Min(1000, query.Limit), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            events.Add(EventRows.FromEvent(entity).ToSwarmEvent());
            if (events.Count >= query.Limit)
            {
                break;
            }
        }
        return events;
    }

    /// <summary>
    /// Waits until events after <paramref name="afterSequence"/> may exist (signalled in-process, or the
    /// poll interval passed, for writes made by other instances), bounded by <paramref name="timeout"/>.
    /// </summary>
    public Task<bool> WaitForNewAsync(string swarmId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken) =>
        notifier.WaitAsync(swarmId, afterSequence, timeout, cancellationToken);

    /// <summary>The answer when an insert met NotFound: the table is gone, which is the store's state, not the request's fault.</summary>
    internal static ProblemException TableMissing() =>
        new(ProblemCatalog.StorageUnavailable, "The coordination table is missing from storage.");

    private OutboxRow NewOutbox(string swarmId, PendingEvent pending) => EventRows.NewOutbox(swarmId, pending, clock.GetUtcNow());
}
