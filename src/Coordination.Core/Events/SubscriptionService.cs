using Azure;
using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Events;

/// <summary>
/// Durable subscriptions: a <c>sub|{subId}</c> row in the swarm's partition holds the owner, the patterns and the cursor
/// (the last acknowledged sequence). Polls read the log after the cursor with the patterns as a server-side filter and
/// may long-poll; acks move the cursor forward only (ETag-guarded). A subscription is its owner's reading device, like
/// an SSE stream's Last-Event-ID, not shared swarm state: nothing about it is logged (a <c>*</c> subscriber would
/// otherwise feed on its own acks), and observers may subscribe (in archived swarms too).
/// </summary>
public sealed class SubscriptionService(TableStore table, EventLog log, EventSequencer sequencer, CoordinationSettings settings, TimeProvider clock)
{
    /// <summary>Longest long-poll.</summary>
    public const int MaxWaitSeconds = 30;

    /// <summary>Creates a subscription owned by the caller.</summary>
    public async Task<SubscriptionView> CreateAsync(string swarmId, Caller caller, CreateSubscriptionRequest request, CancellationToken cancellationToken)
    {
        var patterns = TypePattern.ParseAll(request.Patterns, "patterns");
        var head = await sequencer.LastSequenceAsync(swarmId, cancellationToken).ConfigureAwait(false);
        var cursor = EventCursor.Parse(request.Cursor) ?? head;
        if (cursor > head)
        {
            throw Validation.Invalid("cursor", $"must be at most the log's end (\"{EventCursor.Format(head)}\"); got \"{EventCursor.Format(cursor)}\".");
        }
        var texts = patterns.Select(p => p.Text).ToList();
        var row = await OptimisticRetry.RunAsync(async ct =>
        {
            var row = new SubscriptionRow(swarmId, Ids.New("sub"), caller.AgentId!, texts, cursor, clock.GetUtcNow());
            var result = await table.AddEntityAsync(EventRows.ToEntity(row), ct).ConfigureAwait(false);
            // AlreadyExists is a random id meeting an existing one: a fresh id fixes it. NotFound is the table itself.
            return result.Outcome switch
            {
                StorageOutcome.Succeeded => row,
                StorageOutcome.AlreadyExists => null,
                _ => throw EventLog.TableMissing(),
            };
        }, "the subscriptions", cancellationToken).ConfigureAwait(false);
        return ToView(row);
    }

    /// <summary>
    /// Matching events after the cursor, up to <paramref name="limit"/>; with <paramref name="wait"/> &gt; 0 and nothing yet,
    /// waits (bounded) for one. Woken at once by events sequenced in this process, else by the poll interval. The page's
    /// <c>nextCursor</c> is how far the log was examined (past stretches without a match), what the owner acknowledges.
    /// </summary>
    public async Task<ListPage<SwarmEvent>> PollAsync(string swarmId, Caller caller, string subscriptionId, int limit, int wait, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, 1000);
        Validation.InRange(wait, "wait", 0, MaxWaitSeconds);
        var row = await GetOwnedAsync(swarmId, caller, subscriptionId, cancellationToken).ConfigureAwait(false);
        var patterns = row.Patterns.Select(p => new TypePattern(p)).ToList();
        var deadline = clock.GetUtcNow().AddSeconds(wait);
        var examined = row.Cursor;
        while (true)
        {
            // Everything up to the head read first is committed, so a query that runs after it sees all of it.
            var head = await sequencer.LastSequenceAsync(swarmId, cancellationToken).ConfigureAwait(false);
            var events = await log.ReadAsync(swarmId, new EventQuery(examined, Limit: limit, Patterns: patterns), cancellationToken).ConfigureAwait(false);
            if (events.Count > 0)
            {
                var full = events.Count == limit;
                return new ListPage<SwarmEvent>(events, EventCursor.Format(full ? events[^1].Sequence : Math.Max(events[^1].Sequence, head)), full);
            }
            examined = Math.Max(examined, head);
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return new ListPage<SwarmEvent>([], EventCursor.Format(examined), false);
            }
            await log.WaitForNewAsync(swarmId, examined, remaining < settings.EventPollInterval ? remaining : settings.EventPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves the cursor to <paramref name="request"/>'s unless it is already there or beyond.</summary>
    public async Task<SubscriptionView> AcknowledgeAsync(string swarmId, Caller caller, string subscriptionId, AckSubscriptionRequest request, CancellationToken cancellationToken)
    {
        var sequence = EventCursor.Parse(request.Cursor) ?? 0;   // required by the body contract
        var head = await sequencer.LastSequenceAsync(swarmId, cancellationToken).ConfigureAwait(false);
        if (sequence > head)
        {
            throw Validation.Invalid("cursor", $"must be at most the log's end (\"{EventCursor.Format(head)}\"); got \"{EventCursor.Format(sequence)}\".");
        }
        var row = await OptimisticRetry.RunAsync(async ct =>
        {
            var current = await GetOwnedAsync(swarmId, caller, subscriptionId, ct).ConfigureAwait(false);
            if (current.Cursor >= sequence)
            {
                return current;
            }
            var result = await table.UpdateEntityAsync(EventRows.CursorPatch(current, sequence), current.ETag, TableUpdateMode.Merge, ct).ConfigureAwait(false);
            // PreconditionFailed: another ack moved the cursor first; re-read and decide again. NotFound: deleted meanwhile.
            return result.Outcome switch
            {
                StorageOutcome.Succeeded => current with { Cursor = sequence },
                StorageOutcome.NotFound => throw NotFound(subscriptionId),
                _ => null,
            };
        }, "the subscription", cancellationToken).ConfigureAwait(false);
        return ToView(row);
    }

    /// <summary>Deletes the caller's subscription.</summary>
    public async Task DeleteAsync(string swarmId, Caller caller, string subscriptionId, CancellationToken cancellationToken)
    {
        await GetOwnedAsync(swarmId, caller, subscriptionId, cancellationToken).ConfigureAwait(false);
        // Unconditional: the owner never changes, so a concurrent ack does not make the delete wrong.
        var result = await table.DeleteEntityAsync(swarmId, EventRows.SubscriptionKey(subscriptionId), ETag.All, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StorageOutcome.NotFound)
        {
            throw NotFound(subscriptionId);
        }
    }

    private async Task<SubscriptionRow> GetOwnedAsync(string swarmId, Caller caller, string subscriptionId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityAsync(swarmId, EventRows.SubscriptionKey(subscriptionId), cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(subscriptionId);
        var row = EventRows.FromSubscription(entity);
        if (row.Owner != caller.AgentId)
        {
            throw new ProblemException(ProblemCatalog.NotOwner, $"Subscription '{subscriptionId}' belongs to another agent.");
        }
        return row;
    }

    private static SubscriptionView ToView(SubscriptionRow row) => new(row.SubscriptionId, row.Owner, row.Patterns, EventCursor.Format(row.Cursor), row.CreatedAt);

    private static ProblemException NotFound(string subscriptionId) => new(ProblemCatalog.NotFound, $"No subscription '{subscriptionId}' in this swarm.");
}
