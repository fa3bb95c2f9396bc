using System.Buffers.Text;
using System.Text;
using System.Text.RegularExpressions;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Messaging;

/// <summary>
/// Mailboxes: send (to an agent, <c>user</c> or every member), read the inbox (marks delivered), get one, acknowledge,
/// read a thread, catch up. Sending commits the message row, its inbox copies and the <c>message.sent</c> event
/// together; reading and marking a page delivered is one query plus one transaction.
/// </summary>
public sealed partial class MessageService(TableStore table, EventLog events, SwarmDirectory directory, TenantDirectory tenants, TimeProvider clock)
{
    /// <summary>Longest message text.</summary>
    public const int MaxContentLength = 16_000;

    /// <summary>Longest thread returned.</summary>
    public const int MaxThreadMessages = 500;

    /// <summary>Keeps a transaction well under the service's 4 MiB limit.</summary>
    private const int MaxTransactionBytes = 3_500_000;

    private const int MaxOperations = 100;

    /// <summary>Sends a message; a broadcast gets one inbox copy per member (the sender included), in transactions of ≤ 100 rows.</summary>
    public async Task<MessageView> SendAsync(string swarmId, Caller caller, SendMessageRequest request, CancellationToken cancellationToken)
    {
        var message = await ValidateAsync(swarmId, caller, request, cancellationToken).ConfigureAwait(false);
        var recipients = await RecipientsAsync(swarmId, message.To, cancellationToken).ConfigureAwait(false);

        var head = new List<TableTransactionAction>
        {
            TableActions.Add(MessageRows.MessageRow(swarmId, message, recipients)),
            TableActions.Add(MessageRows.ThreadRow(swarmId, message)),
            events.Append(swarmId, PendingEvent.Of("message.sent", message.MessageId, new
            {
                messageId = message.MessageId, from = message.From, to = message.To, category = message.Category, priority = message.Priority,
                subject = message.Subject, threadId = message.ThreadId, parentMessageId = message.ParentId, expiresAt = message.ExpiresAt,
                recipients = recipients.Count,
            }, caller.Actor) with { Audience = message.Broadcast ? null : message.To }),
        };
        if (message.ExpiresAt is not null)
        {
            head.Add(TableActions.Add(MessageRows.ExpiryRow(swarmId, message)));
        }
        // The message row, the event and the first copies commit together: with up to ~95 recipients (every swarm
        // within the default limits) a send is all or nothing. Larger broadcasts continue in further transactions of
        // copies only; each is an idempotent insert of fixed keys.
        var copies = recipients.Select(r => TableActions.Add(MessageRows.InboxRow(swarmId, message, r, recipients.Count))).ToList();
        var copyBytes = MessageRows.ApproximateBytes(message);
        var perTransaction = Math.Clamp(MaxTransactionBytes / copyBytes, 1, MaxOperations);
        var firstCount = Math.Min(copies.Count, Math.Max(0, Math.Min(MaxOperations - head.Count, perTransaction - 1)));
        head.AddRange(copies.Take(firstCount));
        var first = await table.SubmitTransactionAsync(head, cancellationToken).ConfigureAwait(false);
        if (!first.Succeeded && !(first.FailedIndex == 0 && first.Outcome == StorageOutcome.AlreadyExists))
        {
            first.ThrowIfFailed("sending the message");
        }
        foreach (var chunk in copies.Skip(firstCount).Chunk(perTransaction))
        {
            var result = await table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded && !(result.FailedIndex == 0 && result.Outcome == StorageOutcome.AlreadyExists))
            {
                result.ThrowIfFailed("delivering a broadcast's copies");
            }
        }
        events.Committed(swarmId);
        var stored = MessageRows.MessageRow(swarmId, message, recipients);
        var own = message.Broadcast ? recipients.Contains(caller.AgentId!) ? MessageRows.InboxRow(swarmId, message, caller.AgentId!, recipients.Count) : null : stored;
        return MessageRows.ToView(stored, own, recipients.Count);
    }

    /// <summary>A page of the caller's inbox; pending messages on it become delivered.</summary>
    public async Task<InboxPage> ReadInboxAsync(string swarmId, Caller caller, InboxQuery query, CancellationToken cancellationToken)
    {
        if (query.Status is not null && !MessageRows.Status.All.Contains(query.Status))
        {
            throw Validation.Invalid("status", $"must be one of {string.Join(", ", MessageRows.Status.All)}; got '{query.Status}'.");
        }
        Validation.OptionalText(query.Category, "category", 64);
        var limit = Validation.InRange(query.Limit, "limit", 1, 100);
        var recipient = caller.AgentId!;
        var prefix = MessageRows.InboxPrefix(recipient);
        var lower = query.Cursor is null ? $"RowKey ge {TableFilter.Literal(prefix)}" : $"RowKey gt {TableFilter.Literal(prefix + DecodeCursor(query.Cursor))}";
        var now = clock.GetUtcNow();
        var filter = $"{TableFilter.Partition(swarmId)} and {lower} and RowKey lt {TableFilter.Literal(prefix[..^1] + "}")} and ExpiresTicks gt {TableFilter.Literal(now.UtcTicks)}";
        if (query.Status is not null)
        {
            filter += $" and Status eq {TableFilter.Literal(query.Status)}";
        }
        if (query.Category is not null)
        {
            filter += $" and Category eq {TableFilter.Literal(query.Category)}";
        }
        if (!query.IncludeBroadcast)
        {
            filter += " and Broadcast eq false";
        }
        var rows = new List<TableEntity>(limit + 1);
        await foreach (var row in table.QueryAsync(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
            if (rows.Count > limit)
            {
                break;
            }
        }
        var more = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        await MarkDeliveredAsync(swarmId, page, now, cancellationToken).ConfigureAwait(false);
        var views = page.Select(r => MessageRows.ToView(r, r, r.GetInt32("Recipients") ?? 1)).ToList();
        return new InboxPage(views, more ? EncodeCursor(page[^1].RowKey[prefix.Length..]) : null);
    }

    /// <summary>One message; any member may read any message of the swarm (observers read everything).</summary>
    public async Task<MessageView> GetAsync(string swarmId, Caller caller, string messageId, CancellationToken cancellationToken)
    {
        var row = await FindAsync(swarmId, messageId, cancellationToken).ConfigureAwait(false);
        return await ViewForAsync(swarmId, caller, row, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Acknowledges the caller's copy; only a recipient may. Acknowledging again changes nothing.</summary>
    public async Task<MessageView> AcknowledgeAsync(string swarmId, Caller caller, string messageId, CancellationToken cancellationToken)
    {
        var messageRow = await FindAsync(swarmId, messageId, cancellationToken).ConfigureAwait(false);
        var message = MessageRows.Read(messageRow);
        var agentId = caller.AgentId!;
        if (!MessageRows.RecipientsOf(messageRow).Contains(agentId))
        {
            throw new ProblemException(ProblemCatalog.NotRecipient, $"'{agentId}' is not a recipient of {messageId}; only its recipient may acknowledge it.");
        }
        var inboxKey = MessageRows.InboxKey(agentId, message.Priority, message.SentAt.UtcTicks, message.MessageId);
        var changed = await OptimisticRetry.RunAsync<TableEntity>(async ct =>
        {
            var copy = await table.GetEntityAsync(swarmId, inboxKey, cancellationToken: ct).ConfigureAwait(false)
                ?? throw new ProblemException(ProblemCatalog.NotFound, $"No message '{messageId}' in your inbox.");
            if (copy.GetString("Status") == MessageRows.Status.Acknowledged)
            {
                return copy;
            }
            var now = clock.GetUtcNow();
            var update = new TableEntity(swarmId, inboxKey) { ["Status"] = MessageRows.Status.Acknowledged, ["AcknowledgedAt"] = now, ["DeliveredAt"] = copy.GetDateTimeOffset("DeliveredAt") ?? now };
            var actions = new List<TableTransactionAction> { TableActions.Merge(update, copy.ETag) };
            if (!message.Broadcast)
            {
                actions.Add(TableActions.Merge(StatusOf(swarmId, messageRow.RowKey, update), Azure.ETag.All));
            }
            actions.Add(events.Append(swarmId, PendingEvent.Of("message.acknowledged", messageId, new { messageId, by = agentId, from = message.From }, caller.Actor)));
            var result = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            if (result is { Succeeded: false, FailedIndex: 1, Outcome: StorageOutcome.NotFound })
            {
                throw new ProblemException(ProblemCatalog.NotFound, $"No message '{messageId}'; it has expired.");
            }
            if (!result.Succeeded)
            {
                return null;
            }
            events.Committed(swarmId);
            foreach (var (name, value) in update)
            {
                copy[name] = value;
            }
            return copy;
        }, "the message", cancellationToken).ConfigureAwait(false);
        return MessageRows.ToView(messageRow, changed, messageRow.GetInt32("Recipients") ?? 1);
    }

    /// <summary>The whole thread of a message, in the order sent.</summary>
    public async Task<MessageThread> GetThreadAsync(string swarmId, Caller caller, string messageId, CancellationToken cancellationToken)
    {
        var row = await FindAsync(swarmId, messageId, cancellationToken).ConfigureAwait(false);
        var threadId = row.GetString("ThreadId")!;
        var filter = $"{TableFilter.RowKeyPrefix(swarmId, MessageRows.ThreadPrefix(threadId))} and ExpiresTicks gt {TableFilter.Literal(clock.GetUtcNow().UtcTicks)}";
        var ids = new List<string>();
        await foreach (var index in table.QueryAsync(filter, ["MessageId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(index.GetString("MessageId")!);
            if (ids.Count == MaxThreadMessages)
            {
                break;
            }
        }
        var views = new MessageView?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var message = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(ids[i]), cancellationToken: ct).ConfigureAwait(false);
            views[i] = message is null ? null : await ViewForAsync(swarmId, caller, message, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return new MessageThread(threadId, views.OfType<MessageView>().ToList());
    }

    /// <summary>Pending messages (up to <paramref name="limit"/>, marked delivered) for an agent that (re)starts.</summary>
    public async Task<(IReadOnlyList<MessageView> Messages, bool More)> PendingAsync(string swarmId, Caller caller, int limit, CancellationToken cancellationToken)
    {
        var page = await ReadInboxAsync(swarmId, caller, new InboxQuery(MessageRows.Status.Pending, Limit: limit), cancellationToken).ConfigureAwait(false);
        return (page.Messages, page.NextCursor is not null);
    }

    /// <summary>
    /// Deletes up to <paramref name="max"/> messages of the swarm whose expiry passed: the message row, every inbox copy,
    /// the thread and expiry index rows. Returns how many messages went.
    /// </summary>
    public async Task<int> PurgeExpiredAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var due = $"{TableFilter.Partition(swarmId)} and RowKey ge {TableFilter.Literal(MessageRows.ExpiryPrefix)} and RowKey lt {TableFilter.Literal(MessageRows.ExpiryBound(clock.GetUtcNow()))}";
        var expired = new List<TableEntity>();
        await foreach (var row in table.QueryAsync(due, ["MessageId"], max, cancellationToken).ConfigureAwait(false))
        {
            expired.Add(row);
            if (expired.Count == max)
            {
                break;
            }
        }
        foreach (var index in expired)
        {
            var keys = new List<string>();
            var messageRow = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(index.GetString("MessageId")!), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (messageRow is not null)
            {
                var message = MessageRows.Read(messageRow);
                keys.AddRange(MessageRows.RecipientsOf(messageRow).Select(r => MessageRows.InboxKey(r, message.Priority, message.SentAt.UtcTicks, message.MessageId)));
                keys.Add(MessageRows.ThreadKey(message.ThreadId, message.SentAt.UtcTicks, message.MessageId));
                keys.Add(messageRow.RowKey);
            }
            // The expiry row goes last: until it does, a later run finds the message again and finishes the job.
            await DeleteRowsAsync(swarmId, keys, cancellationToken).ConfigureAwait(false);
            await DeleteRowsAsync(swarmId, [index.RowKey], cancellationToken).ConfigureAwait(false);
        }
        return expired.Count;
    }

    private async Task<MessageRows.Message> ValidateAsync(string swarmId, Caller caller, SendMessageRequest request, CancellationToken cancellationToken)
    {
        var target = Validation.Identifier(request.TargetId, "targetId");
        var content = Validation.RequiredText(request.Content, "content", MaxContentLength);
        var category = request.Category is null ? "info" : Validation.Identifier(request.Category, "category");
        if (category.Length > 64)
        {
            throw Validation.Invalid("category", $"is {category.Length} characters; the limit is 64.");
        }
        var priority = Validation.InRange(request.Priority ?? 3, "priority", 1, 5);
        var subject = Validation.OptionalText(request.Subject, "subject", 200);
        var days = request.ExpiresInDays is { } d ? Validation.InRange(d, "expiresInDays", 1, 365) : (int?)null;
        var payload = Validation.Payload(request.Payload, "payload", tenants.Find(caller.TenantId)?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes);
        string? parentId = null;
        string? threadId = null;
        if (request.ParentMessageId is not null)
        {
            parentId = Validation.Identifier(request.ParentMessageId, "parentMessageId");
            var parent = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(parentId), ["ThreadId", "ExpiresTicks"], cancellationToken).ConfigureAwait(false);
            if (parent is null || MessageRows.IsExpired(parent, clock.GetUtcNow()))
            {
                throw Validation.Invalid("parentMessageId", $"no message '{parentId}' in this swarm.");
            }
            threadId = parent.GetString("ThreadId");
        }
        if (target is not (MessageRows.BroadcastTarget or MessageRows.UserTarget)
            && await directory.GetMemberAsync(swarmId, target, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Validation.Invalid("targetId", $"'{target}' is not a member of this swarm (use an agent id, 'user' or '*').");
        }
        var now = clock.GetUtcNow();
        var messageId = Ids.New("msg");
        return new MessageRows.Message(messageId, caller.AgentId!, target, category, priority, subject, content, payload, parentId,
            threadId ?? messageId, now, days is { } n ? now.AddDays(n) : null);
    }

    private async Task<IReadOnlyList<string>> RecipientsAsync(string swarmId, string target, CancellationToken cancellationToken)
    {
        if (target != MessageRows.BroadcastTarget)
        {
            return [target];
        }
        var members = new List<string>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix), ["AgentId"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            members.Add(row.GetString("AgentId")!);
        }
        return members;
    }

    private async Task<TableEntity> FindAsync(string swarmId, string messageId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(messageId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row is null || MessageRows.IsExpired(row, clock.GetUtcNow())
            ? throw new ProblemException(ProblemCatalog.NotFound, $"No message '{messageId}' in this swarm.")
            : row;
    }

    /// <summary>The status a caller sees: the direct message's own, or the caller's copy of a broadcast (one more read).</summary>
    private async Task<MessageView> ViewForAsync(string swarmId, Caller caller, TableEntity row, CancellationToken cancellationToken)
    {
        var recipients = row.GetInt32("Recipients") ?? 1;
        if (row.GetBoolean("Broadcast") != true)
        {
            return MessageRows.ToView(row, row, recipients);
        }
        TableEntity? copy = null;
        if (caller.AgentId is { } agentId && MessageRows.RecipientsOf(row).Contains(agentId))
        {
            var m = MessageRows.Read(row);
            copy = await table.GetEntityAsync(swarmId, MessageRows.InboxKey(agentId, m.Priority, m.SentAt.UtcTicks, m.MessageId), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        return MessageRows.ToView(row, copy, recipients);
    }

    /// <summary>
    /// Marks the page's pending copies delivered, in as few transactions as fit (a copy and, for a direct message, its
    /// message row together). Each copy is guarded by its ETag, so a concurrent acknowledgement is never overwritten;
    /// the message row follows its copy inside the same transaction. Not logged: reading is not a change anyone waits
    /// for, and the sender sees <c>delivered</c> on the message. An archived swarm is read without marking.
    /// </summary>
    private async Task MarkDeliveredAsync(string swarmId, List<TableEntity> page, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = page.Where(r => r.GetString("Status") == MessageRows.Status.Pending).ToList();
        if (pending.Count == 0 || (await directory.GetSwarmAsync(swarmId, cancellationToken).ConfigureAwait(false))?.IsArchived != false)
        {
            return;
        }
        var groups = pending.Select(row =>
        {
            var update = new TableEntity(swarmId, row.RowKey) { ["Status"] = MessageRows.Status.Delivered, ["DeliveredAt"] = now };
            var actions = new List<TableTransactionAction> { TableActions.Merge(update, row.ETag) };
            if (row.GetBoolean("Broadcast") != true)
            {
                actions.Add(TableActions.Merge(StatusOf(swarmId, MessageRows.MessageKey(row.GetString("MessageId")!), update), Azure.ETag.All));
            }
            return (Row: row, Actions: actions);
        }).ToList();
        var batch = new List<(TableEntity Row, List<TableTransactionAction> Actions)>();
        foreach (var group in groups)
        {
            if (batch.Sum(b => b.Actions.Count) + group.Actions.Count > MaxOperations)
            {
                await SubmitDeliveredAsync(batch, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
            batch.Add(group);
        }
        await SubmitDeliveredAsync(batch, cancellationToken).ConfigureAwait(false);
        foreach (var row in pending)
        {
            row["Status"] = MessageRows.Status.Delivered;
            row["DeliveredAt"] ??= now;
        }
    }

    private async Task SubmitDeliveredAsync(List<(TableEntity Row, List<TableTransactionAction> Actions)> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var result = await table.SubmitTransactionAsync(batch.SelectMany(b => b.Actions).ToList(), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded || batch.Count == 1)
        {
            return;
        }
        // Someone changed one of the copies (the recipient's own concurrent read or ack): mark the rest one by one.
        foreach (var (_, actions) in batch)
        {
            await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TableEntity StatusOf(string swarmId, string rowKey, TableEntity update)
    {
        var row = new TableEntity(swarmId, rowKey);
        foreach (var (name, value) in update)
        {
            row[name] = value;
        }
        return row;
    }

    private async Task DeleteRowsAsync(string swarmId, List<string> keys, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(MaxOperations))
        {
            var remaining = chunk.ToList();
            for (var attempt = 0; attempt < 10 && remaining.Count > 0; attempt++)
            {
                var result = await table.SubmitTransactionAsync(remaining.Select(k => TableActions.Delete(swarmId, k, Azure.ETag.All)).ToList(), cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    break;
                }
                if (result is { Outcome: StorageOutcome.NotFound, FailedIndex: { } missing })
                {
                    remaining.RemoveAt(missing);   // already gone (an earlier, interrupted run)
                    continue;
                }
                result.ThrowIfFailed("purging an expired message");
            }
        }
    }

    private static string EncodeCursor(string suffix) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(suffix));

    private static string DecodeCursor(string cursor)
    {
        try
        {
            var suffix = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (CursorPattern().IsMatch(suffix))
            {
                return suffix;
            }
        }
        catch (FormatException)
        {
        }
        throw Validation.Invalid("cursor", "is not a cursor this inbox returned.");
    }

    [GeneratedRegex("^[0-4]\\|[0-9]{19}\\|msg_[0-9a-z]{1,64}$")]
    private static partial Regex CursorPattern();
}
