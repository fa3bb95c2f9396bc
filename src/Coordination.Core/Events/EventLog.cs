using Coordination.Storage.Tables;

namespace Coordination.Core.Events;

/// <summary>A filter over a swarm's event log.</summary>
/// <param name="After">Only events with a greater sequence.</param>
/// <param name="Types">Only these types (null = any).</param>
/// <param name="Actor">Only events caused by this agent.</param>
/// <param name="Since">Only events at or after this time.</param>
/// <param name="Limit">At most this many (1–1000).</param>
/// <param name="Patterns">Only types matching one of these (null = any); combines with <paramref name="Types"/>.</param>
public sealed record EventQuery(long After = 0, IReadOnlyList<string>? Types = null, string? Actor = null, DateTimeOffset? Since = null, int Limit = 100, IReadOnlyList<TypePattern>? Patterns = null);

/// <summary>
/// The write and read side of a swarm's log: changes add <see cref="Append"/>'s outbox row to their own
/// transaction and then <see cref="Committed"/>; readers get events in sequence order.
/// </summary>
public sealed class EventLog(TableStore table, EventPump pump, EventNotifier notifier, TimeProvider clock)
{
    /// <summary>The outbox action to include in the change's transaction.</summary>
    public TableTransactionAction Append(string swarmId, PendingEvent pending) =>
        TableActions.Add(EventRows.Outbox(swarmId, pending, clock.GetUtcNow()));

    /// <summary>Call after the change's transaction committed: gets the event sequenced promptly.</summary>
    public void Committed(string swarmId) => pump.Kick(swarmId);

    /// <summary>Appends events on their own (a broadcast): one transaction of outbox rows. Returns the event ids.</summary>
    public async Task<IReadOnlyList<string>> AppendAsync(string swarmId, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        var actions = events.Select(e => Append(swarmId, e)).ToList();
        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // Outbox keys are unique per write; a collision means the first attempt of a retried request was applied.
            if (result.Outcome != Coordination.Storage.StorageOutcome.AlreadyExists)
            {
                throw new InvalidOperationException($"Appending events failed at {result.FailedIndex}: {result.ErrorCode}");
            }
        }
        Committed(swarmId);
        return actions.Select(a => a.Entity.GetString("EventId")!).ToList();
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
        var filter = $"PartitionKey eq {TableFilter.Literal(swarmId)} and RowKey gt {TableFilter.Literal(EventRows.EventKey(query.After))} and RowKey lt {TableFilter.Literal(EventRows.EventPrefix + "~")}";
        if (query.Actor is not null)
        {
            filter += $" and Actor eq {TableFilter.Literal(query.Actor)}";
        }
        if (query.Since is { } since)
        {
            filter += $" and Time ge {TableFilter.Literal(since)}";
        }
        if (query.Types is { Count: > 0 } types)
        {
            filter += " and (" + string.Join(" or ", types.Select(t => $"Type eq {TableFilter.Literal(t)}")) + ")";
        }
        if (query.Patterns is { Count: > 0 } patterns && TypePattern.FilterAny(patterns) is { } matching)
        {
            filter += " and " + matching;
        }
        var events = new List<SwarmEvent>(Math.Min(query.Limit, 1000));
        await foreach (var row in table.QueryAsync(filter, maxPerPage: Math.Min(1000, query.Limit), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            events.Add(EventRows.ToEvent(row));
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
}
