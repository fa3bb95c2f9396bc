using Azure;

namespace Coordination.Core.Messaging;

/// <summary><c>msg|{messageId}</c>: the message; a direct message also carries its status, a broadcast its recipient list.</summary>
public sealed record MessageRow(string SwarmId, MessageContent Message, IReadOnlyList<string> Recipients, Delivery? Delivery)
{
    /// <summary>The version read (for a conditional write).</summary>
    public ETag ETag { get; init; }

    /// <summary>The row key.</summary>
    public string RowKey => MessageRows.MessageKey(Message.MessageId);
}

/// <summary><c>inbox|{recipient}|…</c>: one recipient's copy of the whole message and that recipient's status.</summary>
public sealed record InboxRow(string SwarmId, MessageContent Message, string Recipient, int Recipients, Delivery Delivery)
{
    /// <summary>The version read (for a conditional write).</summary>
    public ETag ETag { get; init; }

    /// <summary>The row key.</summary>
    public string RowKey => MessageRows.InboxKey(Recipient, Message);
}

/// <summary><c>msgthread|{threadId}|{sentTicks}|{messageId}</c>: a thread in the order sent.</summary>
public sealed record MessageThreadRow(string SwarmId, string ThreadId, long SentTicks, string MessageId, long ExpiresTicks)
{
    /// <summary>The index row of <paramref name="m"/>.</summary>
    public static MessageThreadRow Of(string swarmId, MessageContent m) => new(swarmId, m.ThreadId, m.SentAt.UtcTicks, m.MessageId, m.ExpiresTicks);
}

/// <summary><c>msgexp|{expiryTicks}|{messageId}</c>: exists while an expiring message exists.</summary>
public sealed record MessageExpiryRow(string SwarmId, long ExpiresTicks, string MessageId);

/// <summary>What a reply needs of the message it answers (a <see cref="MessageRows.ParentSelect"/> read).</summary>
public sealed record ParentMessage(string ThreadId, long ExpiresTicks);
