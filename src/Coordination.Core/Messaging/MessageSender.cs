using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Messaging;

/// <summary>
/// Sends messages to an agent, to <c>user</c> or to every member: the message row, its index rows, the
/// <c>message.sent</c> event and the inbox copies commit together (a large broadcast's further copies follow).
/// </summary>
public sealed class MessageSender(TableStore table, EventLog events, SwarmDirectory directory, TenantDirectory tenants, TimeProvider clock)
{
    /// <summary>Longest message text.</summary>
    public const int MaxContentLength = 16_000;

    /// <summary>Keeps a transaction well under the service's 4 MiB limit.</summary>
    private const int MaxTransactionBytes = 3_500_000;

    private const int MaxOperations = 100;

    /// <summary>Sends a message; a broadcast gets one inbox copy per member (the sender included), in transactions of ≤ 100 rows.</summary>
    public async Task<MessageView> SendAsync(string swarmId, Caller caller, SendMessageRequest request, CancellationToken cancellationToken)
    {
        var message = await ValidateAsync(swarmId, caller, request, cancellationToken).ConfigureAwait(false);
        var recipients = await RecipientsAsync(swarmId, message.To, cancellationToken).ConfigureAwait(false);
        var row = new MessageRow(swarmId, message, recipients, message.Broadcast ? null : Delivery.Pending);
        var head = new List<TableTransactionAction>
        {
            TableActions.Add(MessageRows.ToEntity(row)),
            TableActions.Add(MessageRows.ToEntity(MessageThreadRow.Of(swarmId, message))),
            events.Append(swarmId, SentEvent(message, recipients.Count, caller.Actor)),
        };
        if (message.ExpiresAt is not null)
        {
            head.Add(TableActions.Add(MessageRows.ToEntity(new MessageExpiryRow(swarmId, message.ExpiresTicks, message.MessageId))));
        }
        // The message row, the event and the first copies commit together: with up to ~95 recipients (every swarm
        // within the default limits) a send is all or nothing. Larger broadcasts continue in further transactions of
        // copies only; each is an insert of fixed keys, so a re-sent one finds its copies in place.
        var copies = recipients.Select(r => TableActions.Add(MessageRows.ToEntity(new InboxRow(swarmId, message, r, recipients.Count, Delivery.Pending)))).ToList();
        var perTransaction = Math.Clamp(MaxTransactionBytes / ApproximateBytes(message), 1, MaxOperations);
        var firstCount = Math.Min(copies.Count, Math.Max(0, Math.Min(MaxOperations - head.Count, perTransaction - 1)));
        head.AddRange(copies.Take(firstCount));
        await CommitHeadAsync(row, head, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in copies.Skip(firstCount).Chunk(perTransaction))
        {
            await AddCopiesAsync([.. chunk], cancellationToken).ConfigureAwait(false);
        }
        events.Committed(swarmId, head);
        var own = !message.Broadcast || recipients.Contains(caller.AgentId!) ? Delivery.Pending : null;
        return message.ToView(own, recipients.Count);
    }

    /// <summary>Approximate wire size of one copy, to keep a transaction under the 4 MiB limit.</summary>
    private static int ApproximateBytes(MessageContent message) =>
        2048 + 3 * (message.Content.Length + (message.Subject?.Length ?? 0)) + 3 * (message.Payload?.Length ?? 0);

    private static PendingEvent SentEvent(MessageContent message, int recipients, string actor) =>
        PendingEvent.Of("message.sent", message.MessageId, new
        {
            messageId = message.MessageId, from = message.From, to = message.To, category = message.Category, priority = message.Priority,
            subject = message.Subject, threadId = message.ThreadId, parentMessageId = message.ParentId, expiresAt = message.ExpiresAt,
            recipients,
        }, actor) with { Audience = message.Broadcast ? null : message.To };

    /// <summary>
    /// Commits the message row, its index rows, the event and the first copies. Every operation inserts a key made of
    /// the new message id (100 random bits) or a fresh outbox key, so the only failure is AlreadyExists, with nothing
    /// applied. At index 0 it is, in practice, this very transaction re-sent by the storage pipeline after its first
    /// attempt committed (the response was lost); the transaction is atomic, so all of it is in place, and the stored
    /// row proves it is ours. Anything else means the id is taken: 409 <c>already_exists</c>, and a retry draws a new id.
    /// </summary>
    private async Task CommitHeadAsync(MessageRow row, List<TableTransactionAction> head, CancellationToken cancellationToken)
    {
        var result = await table.SubmitTransactionAsync(head, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded
            || (result is { FailedIndex: 0, Outcome: StorageOutcome.AlreadyExists } && await IsStoredAsync(row, cancellationToken).ConfigureAwait(false)))
        {
            return;
        }
        throw new ProblemException(ProblemCatalog.AlreadyExists,
            $"Message id '{row.Message.MessageId}' is already taken (operation {result.FailedIndex}: {result.Outcome}); nothing was sent. Retry the request.");
    }

    /// <summary>True when the stored message row holds <paramref name="row"/>'s message (times aside: they round-trip through the service's format).</summary>
    private async Task<bool> IsStoredAsync(MessageRow row, CancellationToken cancellationToken)
    {
        var stored = await table.GetEntityAsync(row.SwarmId, row.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return stored is not null
            && MessageRows.FromMessage(stored).Message with { SentAt = row.Message.SentAt, ExpiresAt = row.Message.ExpiresAt } == row.Message;
    }

    /// <summary>
    /// Inserts a chunk of a large broadcast's copies (after the message committed, so failing the send now would make
    /// the sender send it twice). An insert fails only with AlreadyExists, and a copy's key holds the message id, so a
    /// copy that exists is this message's: at index 0 of the first attempt it is the chunk re-sent after it committed
    /// (all of it is in place); elsewhere that one copy is skipped and the rest go again. Each round removes a copy.
    /// </summary>
    private async Task AddCopiesAsync(List<TableTransactionAction> copies, CancellationToken cancellationToken)
    {
        for (var first = true; copies.Count > 0; first = false)
        {
            var result = await table.SubmitTransactionAsync(copies, cancellationToken).ConfigureAwait(false);
            if (result.FailedIndex is not { } failed || (first && failed == 0))
            {
                return;
            }
            copies.RemoveAt(failed);
        }
    }

    private async Task<MessageContent> ValidateAsync(string swarmId, Caller caller, SendMessageRequest request, CancellationToken cancellationToken)
    {
        var target = Validation.Identifier(request.To, "to");
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
        var parentId = request.ParentMessageId is null ? null : Validation.Identifier(request.ParentMessageId, "parentMessageId");
        var threadId = parentId is null ? null : await ParentThreadAsync(swarmId, parentId, cancellationToken).ConfigureAwait(false);
        if (target is not (MessageRows.BroadcastTarget or MessageRows.UserTarget)
            && await directory.GetMemberAsync(swarmId, target, cancellationToken).ConfigureAwait(false) is null)
        {
            throw Validation.Invalid("to", $"'{target}' is not a member of this swarm (use an agent id, 'user' or '*').");
        }
        var now = clock.GetUtcNow();
        var messageId = Ids.New("msg");
        return new MessageContent(messageId, caller.AgentId!, target, category, priority, subject, content, payload, parentId,
            threadId ?? messageId, now, days is { } n ? now.AddDays(n) : null);
    }

    /// <summary>The thread a reply joins: its unexpired parent's.</summary>
    private async Task<string> ParentThreadAsync(string swarmId, string parentId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, MessageRows.MessageKey(parentId), MessageRows.ParentSelect, cancellationToken).ConfigureAwait(false);
        var parent = row is null ? null : MessageRows.FromParent(row);
        return parent is null || parent.ExpiresTicks <= clock.GetUtcNow().UtcTicks
            ? throw Validation.Invalid("parentMessageId", $"no message '{parentId}' in this swarm.")
            : parent.ThreadId;
    }

    private async Task<IReadOnlyList<string>> RecipientsAsync(string swarmId, string target, CancellationToken cancellationToken)
    {
        if (target != MessageRows.BroadcastTarget)
        {
            return [target];
        }
        var members = new List<string>();
        await foreach (var row in table.QueryAsync(MessageRows.MembersFilter(swarmId), MessageRows.KeysOnly, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            members.Add(MessageRows.MemberIdOf(row));
        }
        return members;
    }
}
