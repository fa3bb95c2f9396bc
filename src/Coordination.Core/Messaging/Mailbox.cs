using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Messaging;

/// <summary>
/// A member's view of the mailboxes: read the inbox (marks delivered), get one message, acknowledge, read a thread,
/// and the pending messages of a catch-up. Reading and marking a page delivered is one query plus one transaction.
/// </summary>
public sealed class Mailbox(TableStore table, EventLog events, SwarmDirectory directory, TimeProvider clock)
{
    /// <summary>Largest thread page (and the default).</summary>
    public const int MaxThreadMessages = 500;

    private const int MaxOperations = 100;

    /// <summary>A page of the caller's inbox; pending messages on it become delivered.</summary>
    public async Task<ListPage<MessageView>> ReadInboxAsync(string swarmId, Caller caller, InboxQuery query, CancellationToken cancellationToken)
    {
        var status = query.Status is null ? (MessageStatus?)null
            : MessageRows.ParseStatus(query.Status)
              ?? throw Validation.Invalid("status", $"must be one of {string.Join(", ", MessageRows.StatusTexts)}; got '{query.Status}'.");
        Validation.OptionalText(query.Category, "category", 64);
        var limit = Validation.InRange(query.Limit, "limit", 1, 100);
        var recipient = caller.AgentId!;
        var after = query.Cursor is null ? null : MailboxCursor.DecodeInbox(query.Cursor);
        var now = clock.GetUtcNow();
        var filter = MessageRows.InboxFilter(swarmId, recipient, after, now, status, query.Category, query.IncludeBroadcast);
        var rows = new List<InboxRow>(limit + 1);
        await foreach (var row in table.QueryAsync(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(MessageRows.FromInbox(row));
            if (rows.Count > limit)
            {
                break;
            }
        }
        var page = await MarkDeliveredAsync(swarmId, rows.Take(limit).ToList(), now, cancellationToken).ConfigureAwait(false);
        var views = page.Select(r => r.Message.ToView(r.Delivery, r.Recipients)).ToList();
        var more = rows.Count > limit;
        return new ListPage<MessageView>(views, more ? MailboxCursor.Encode(page[^1].RowKey[MessageRows.InboxPrefix(recipient).Length..]) : null, more);
    }

    /// <summary>One message; any member may read any message of the swarm (observers read everything).</summary>
    public async Task<MessageView> GetAsync(string swarmId, Caller caller, string messageId, CancellationToken cancellationToken)
    {
        var row = await FindAsync(swarmId, messageId, cancellationToken).ConfigureAwait(false);
        return await ViewForAsync(caller, row, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Acknowledges the caller's copy; only a recipient may. Acknowledging again changes nothing.</summary>
    public async Task<MessageView> AcknowledgeAsync(string swarmId, Caller caller, string messageId, CancellationToken cancellationToken)
    {
        var messageRow = await FindAsync(swarmId, messageId, cancellationToken).ConfigureAwait(false);
        var agentId = caller.AgentId!;
        if (!messageRow.Recipients.Contains(agentId))
        {
            throw new ProblemException(ProblemCatalog.NotRecipient, $"'{agentId}' is not a recipient of {messageId}; only its recipient may acknowledge it.");
        }
        var copyKey = MessageRows.InboxKey(agentId, messageRow.Message);
        var delivery = await OptimisticRetry.RunAsync(
            ct => TryAcknowledgeAsync(messageRow, copyKey, caller, ct), "the message", cancellationToken).ConfigureAwait(false);
        return messageRow.Message.ToView(delivery, messageRow.Recipients.Count);
    }

    /// <summary>
    /// One attempt: the copy and (for a direct message) its message row become acknowledged with the event. Null when
    /// the copy changed since it was read (a concurrent read marked it delivered, or a concurrent ack): retried.
    /// </summary>
    private async Task<Delivery?> TryAcknowledgeAsync(MessageRow messageRow, string copyKey, Caller caller, CancellationToken cancellationToken)
    {
        var (swarmId, messageId) = (messageRow.SwarmId, messageRow.Message.MessageId);
        var entity = await table.GetEntityAsync(swarmId, copyKey, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new ProblemException(ProblemCatalog.NotFound, $"No message '{messageId}' in your inbox.");
        var copy = MessageRows.FromInbox(entity);
        if (copy.Delivery.Status == MessageStatus.Acknowledged)
        {
            return copy.Delivery;
        }
        var acknowledged = copy.Delivery.Acknowledge(clock.GetUtcNow());
        var actions = new List<TableTransactionAction> { TableActions.Merge(MessageRows.DeliveryPatch(copy, acknowledged), copy.ETag) };
        if (!copy.Message.Broadcast)
        {
            // Unconditional: the message row only mirrors its one copy, which the ETag above guards.
            actions.Add(TableActions.Merge(MessageRows.DeliveryPatch(swarmId, messageId, acknowledged), Azure.ETag.All));
        }
        actions.Add(events.Append(swarmId, PendingEvent.Of("message.acknowledged", messageId, new { messageId, by = caller.AgentId, from = copy.Message.From }, caller.Actor)));
        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StorageOutcome.NotFound)
        {
            // The copy or the message row went since it was read: the retention timer purged it, so it had expired.
            throw new ProblemException(ProblemCatalog.NotFound, $"No message '{messageId}'; it has expired.");
        }
        if (!result.Succeeded)
        {
            return null;   // 412 on the copy; the outbox insert cannot meet an existing key (fresh per attempt)
        }
        events.Committed(swarmId, actions);
        return acknowledged;
    }

    /// <summary>A page of the thread of a message, in the order sent (<paramref name="cursor"/>: a previous page's <c>nextCursor</c>).</summary>
    public async Task<ListPage<MessageView>> GetThreadAsync(string swarmId, Caller caller, string messageId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, MaxThreadMessages);
        var after = cursor is null ? null : MailboxCursor.DecodeThread(cursor);
        var threadId = (await FindAsync(swarmId, messageId, cancellationToken).ConfigureAwait(false)).Message.ThreadId;
        var filter = MessageRows.ThreadFilter(swarmId, threadId, after, clock.GetUtcNow());
        var index = new List<MessageThreadRow>(limit + 1);
        await foreach (var row in table.QueryAsync(filter, MessageRows.ThreadSelect, limit + 1, cancellationToken).ConfigureAwait(false))
        {
            index.Add(MessageRows.FromThread(row));
            if (index.Count > limit)
            {
                break;
            }
        }
        var more = index.Count > limit;
        var ids = index.Take(limit).Select(r => r.MessageId).ToList();
        var views = new MessageView?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var message = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(ids[i]), cancellationToken: ct).ConfigureAwait(false);
            views[i] = message is null ? null : await ViewForAsync(caller, MessageRows.FromMessage(message), ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new ListPage<MessageView>(views.OfType<MessageView>().ToList(), more ? MailboxCursor.Encode(MessageRows.ThreadCursorSuffix(index[limit - 1])) : null, more);
    }

    /// <summary>Pending messages (up to <paramref name="limit"/>, marked delivered) for an agent that (re)starts.</summary>
    public async Task<(IReadOnlyList<MessageView> Messages, bool More)> PendingAsync(string swarmId, Caller caller, int limit, CancellationToken cancellationToken)
    {
        var query = new InboxQuery(MessageRows.StatusText(MessageStatus.Pending), Limit: limit);
        var page = await ReadInboxAsync(swarmId, caller, query, cancellationToken).ConfigureAwait(false);
        return (page.Items, page.HasMore);
    }

    private async Task<MessageRow> FindAsync(string swarmId, string messageId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(messageId), cancellationToken: cancellationToken).ConfigureAwait(false);
        var row = entity is null ? null : MessageRows.FromMessage(entity);
        return row is null || row.Message.IsExpired(clock.GetUtcNow())
            ? throw new ProblemException(ProblemCatalog.NotFound, $"No message '{messageId}' in this swarm.")
            : row;
    }

    /// <summary>The status a caller sees: the direct message's own, or the caller's copy of a broadcast (one more read).</summary>
    private async Task<MessageView> ViewForAsync(Caller caller, MessageRow row, CancellationToken cancellationToken)
    {
        if (!row.Message.Broadcast)
        {
            return row.Message.ToView(row.Delivery, row.Recipients.Count);
        }
        Delivery? delivery = null;
        if (caller.AgentId is { } agentId && row.Recipients.Contains(agentId))
        {
            var copyKey = MessageRows.InboxKey(agentId, row.Message);
            var copy = await table.GetEntityAsync(row.SwarmId, copyKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            delivery = copy is null ? null : MessageRows.FromInbox(copy).Delivery;
        }
        return row.Message.ToView(delivery, row.Recipients.Count);
    }

    /// <summary>
    /// Marks the page's pending copies delivered, in as few transactions as fit (a copy and, for a direct message, its
    /// message row together), and returns the page as read. Each copy is guarded by its ETag, so a concurrent
    /// acknowledgement is never overwritten; the message row follows its copy inside the same transaction. Not logged:
    /// reading is not a change anyone waits for, and the sender sees <c>delivered</c> on the message. An archived swarm
    /// is read without marking.
    /// </summary>
    private async Task<List<InboxRow>> MarkDeliveredAsync(string swarmId, List<InboxRow> page, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = page.Where(r => r.Delivery.Status == MessageStatus.Pending).ToList();
        if (pending.Count == 0 || (await directory.GetSwarmAsync(swarmId, cancellationToken).ConfigureAwait(false))?.IsArchived != false)
        {
            return page;
        }
        var delivered = Delivery.Delivered(now);
        var groups = pending.Select(row =>
        {
            List<TableTransactionAction> actions = [TableActions.Merge(MessageRows.DeliveryPatch(row, delivered), row.ETag)];
            if (!row.Message.Broadcast)
            {
                actions.Add(TableActions.Merge(MessageRows.DeliveryPatch(swarmId, row.Message.MessageId, delivered), Azure.ETag.All));
            }
            return actions;
        });
        var batch = new List<List<TableTransactionAction>>();
        foreach (var group in groups)
        {
            if (batch.Sum(b => b.Count) + group.Count > MaxOperations)
            {
                await SubmitDeliveredAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
            batch.Add(group);
        }
        await SubmitDeliveredAsync(batch, cancellationToken).ConfigureAwait(false);
        return page.Select(r => r.Delivery.Status == MessageStatus.Pending ? r with { Delivery = delivered } : r).ToList();
    }

    /// <summary>
    /// Commits a batch of delivered marks. A failing operation means its copy changed or went since the page was read:
    /// 412 (the recipient's own concurrent read or ack, whose status wins) or 404 (the retention timer purged an expired
    /// message, or its message row). That copy's group leaves the batch and the rest go again; each round drops one.
    /// </summary>
    private async Task SubmitDeliveredAsync(List<List<TableTransactionAction>> batch, CancellationToken cancellationToken)
    {
        var groups = batch.ToList();
        while (groups.Count > 0)
        {
            var result = await table.SubmitTransactionAsync(groups.SelectMany(g => g).ToList(), cancellationToken).ConfigureAwait(false);
            if (result.FailedIndex is not { } failed)
            {
                return;
            }
            groups.RemoveAt(GroupOf(groups, failed));
        }
    }

    private static int GroupOf(List<List<TableTransactionAction>> groups, int operation)
    {
        for (int i = 0, end = 0; ; i++)
        {
            end += groups[i].Count;
            if (operation < end)
            {
                return i;
            }
        }
    }
}
