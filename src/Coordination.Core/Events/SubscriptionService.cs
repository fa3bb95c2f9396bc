using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Events;

/// <summary>Subscribe to event types or topics.</summary>
/// <param name="Patterns">1–20 patterns: exact types (<c>task.completed</c>, <c>topic.deploys</c>), namespaces (<c>task.*</c>) or <c>*</c>.</param>
/// <param name="After">Start after this sequence (0 = the whole log); default: the log's current end.</param>
public sealed record CreateSubscriptionRequest(IReadOnlyList<string> Patterns, long? After = null);

/// <summary>Advance a subscription's cursor.</summary>
/// <param name="Sequence">The last sequence processed; the cursor never moves backwards.</param>
public sealed record AckSubscriptionRequest(long Sequence);

/// <summary>A subscription as its owner sees it.</summary>
/// <param name="SubscriptionId">Id (<c>sub_…</c>).</param>
/// <param name="Owner">The agent that created it (the only one that may use it).</param>
/// <param name="Patterns">Its patterns.</param>
/// <param name="Cursor">The last acknowledged sequence: polls return events after it.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record SubscriptionView(string SubscriptionId, string Owner, IReadOnlyList<string> Patterns, long Cursor, DateTimeOffset CreatedAt);

/// <summary>Events for a subscription.</summary>
/// <param name="Events">Matching events after the cursor, in sequence order.</param>
/// <param name="Cursor">The subscription's cursor when read.</param>
/// <param name="NextAfter">
/// How far the log was examined: acknowledge this after processing <paramref name="Events"/> (it also skips stretches with
/// no matching event).
/// </param>
public sealed record SubscriptionEvents(IReadOnlyList<SwarmEvent> Events, long Cursor, long NextAfter);

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
        var cursor = request.After ?? head;
        if (cursor < 0 || cursor > head)
        {
            throw Validation.Invalid("after", $"must be between 0 and the log's last sequence ({head}); got {cursor}.");
        }
        var id = Ids.New("sub");
        var now = clock.GetUtcNow();
        var texts = patterns.Select(p => p.Text).ToList();
        var row = new TableEntity(swarmId, Key(id))
        {
            ["SubscriptionId"] = id, ["Owner"] = caller.AgentId, ["Patterns"] = JsonSerializer.Serialize(texts), ["Cursor"] = cursor, ["CreatedAt"] = now,
        };
        var result = await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Creating subscription {id} failed: {result.Outcome}.");
        }
        return new SubscriptionView(id, caller.AgentId!, texts, cursor, now);
    }

    /// <summary>
    /// Matching events after the cursor, up to <paramref name="limit"/>; with <paramref name="wait"/> &gt; 0 and nothing yet,
    /// waits (bounded) for one. Woken at once by events sequenced in this process, else by the poll interval.
    /// </summary>
    public async Task<SubscriptionEvents> PollAsync(string swarmId, Caller caller, string subscriptionId, int limit, int wait, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, 1000);
        Validation.InRange(wait, "wait", 0, MaxWaitSeconds);
        var row = await GetOwnedAsync(swarmId, caller, subscriptionId, cancellationToken).ConfigureAwait(false);
        var patterns = PatternsOf(row).Select(p => new TypePattern(p)).ToList();
        var cursor = row.GetInt64("Cursor") ?? 0;
        var deadline = clock.GetUtcNow().AddSeconds(wait);
        var examined = cursor;
        while (true)
        {
            // Everything up to the head read first is committed, so a query that runs after it sees all of it.
            var head = await sequencer.LastSequenceAsync(swarmId, cancellationToken).ConfigureAwait(false);
            var events = await log.ReadAsync(swarmId, new EventQuery(examined, Limit: limit, Patterns: patterns), cancellationToken).ConfigureAwait(false);
            if (events.Count > 0)
            {
                var next = events.Count == limit ? events[^1].Sequence : Math.Max(events[^1].Sequence, head);
                return new SubscriptionEvents(events, cursor, next);
            }
            examined = Math.Max(examined, head);
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return new SubscriptionEvents([], cursor, examined);
            }
            await log.WaitForNewAsync(swarmId, examined, remaining < settings.EventPollInterval ? remaining : settings.EventPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves the cursor to <paramref name="request"/>'s sequence unless it is already there or beyond.</summary>
    public async Task<SubscriptionView> AcknowledgeAsync(string swarmId, Caller caller, string subscriptionId, AckSubscriptionRequest request, CancellationToken cancellationToken)
    {
        var head = await sequencer.LastSequenceAsync(swarmId, cancellationToken).ConfigureAwait(false);
        if (request.Sequence < 0 || request.Sequence > head)
        {
            throw Validation.Invalid("sequence", $"must be between 0 and the log's last sequence ({head}); got {request.Sequence}.");
        }
        var row = await OptimisticRetry.RunAsync<TableEntity>(async ct =>
        {
            var current = await GetOwnedAsync(swarmId, caller, subscriptionId, ct).ConfigureAwait(false);
            if ((current.GetInt64("Cursor") ?? 0) >= request.Sequence)
            {
                return current;
            }
            var update = new TableEntity(swarmId, current.RowKey) { ["Cursor"] = request.Sequence };
            var result = await table.UpdateEntityAsync(update, current.ETag, TableUpdateMode.Merge, ct).ConfigureAwait(false);
            if (result.Outcome == StorageOutcome.NotFound)
            {
                throw NotFound(subscriptionId);
            }
            current["Cursor"] = request.Sequence;
            return result.Succeeded ? current : null;
        }, "the subscription", cancellationToken).ConfigureAwait(false);
        return ToView(row);
    }

    /// <summary>Deletes the caller's subscription.</summary>
    public async Task DeleteAsync(string swarmId, Caller caller, string subscriptionId, CancellationToken cancellationToken)
    {
        var row = await GetOwnedAsync(swarmId, caller, subscriptionId, cancellationToken).ConfigureAwait(false);
        var result = await table.DeleteEntityAsync(swarmId, row.RowKey, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StorageOutcome.NotFound)
        {
            throw NotFound(subscriptionId);
        }
    }

    private async Task<TableEntity> GetOwnedAsync(string swarmId, Caller caller, string subscriptionId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, Key(subscriptionId), cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw NotFound(subscriptionId);
        if (row.GetString("Owner") != caller.AgentId)
        {
            throw new ProblemException(ProblemCatalog.NotOwner, $"Subscription '{subscriptionId}' belongs to another agent.");
        }
        return row;
    }

    private static string Key(string subscriptionId) => TableKeyCodec.Compose("sub", subscriptionId);

    private static IReadOnlyList<string> PatternsOf(TableEntity row) => JsonSerializer.Deserialize<List<string>>(row.GetString("Patterns") ?? "[]") ?? [];

    private static SubscriptionView ToView(TableEntity row) =>
        new(row.GetString("SubscriptionId")!, row.GetString("Owner")!, PatternsOf(row), row.GetInt64("Cursor") ?? 0, row.GetDateTimeOffset("CreatedAt")!.Value);

    private static ProblemException NotFound(string subscriptionId) => new(ProblemCatalog.NotFound, $"No subscription '{subscriptionId}' in this swarm.");
}
