using System.Text.Json;

namespace Coordination.Core.Messaging;

/// <summary>Where a recipient's copy stands.</summary>
public enum MessageStatus
{
    /// <summary>Not read yet.</summary>
    Pending,

    /// <summary>Read by the recipient (inbox or catch-up).</summary>
    Delivered,

    /// <summary>Acknowledged by the recipient.</summary>
    Acknowledged,
}

/// <summary>The immutable content of a message, written into its message row and every inbox copy.</summary>
public sealed record MessageContent(
    string MessageId, string From, string To, string Category, int Priority, string? Subject, string Content, string? Payload,
    string? ParentId, string ThreadId, DateTimeOffset SentAt, DateTimeOffset? ExpiresAt)
{
    /// <summary>True for <c>*</c>.</summary>
    public bool Broadcast => To == MessageRows.BroadcastTarget;

    /// <summary>Expiry as ticks (<see cref="MessageRows.NeverTicks"/> when none).</summary>
    public long ExpiresTicks => ExpiresAt?.UtcTicks ?? MessageRows.NeverTicks;

    /// <summary>True when the message has expired at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => ExpiresTicks <= now.UtcTicks;

    /// <summary>
    /// The view of the message: the status the caller sees (its inbox copy's, or a direct message's own; null for a
    /// broadcast the caller did not receive) and how many inboxes received it.
    /// </summary>
    public MessageView ToView(Delivery? delivery, int recipients) => new(
        MessageId, From, To, Broadcast, Category, Priority, Subject, Content,
        Payload is null ? null : JsonDocument.Parse(Payload).RootElement.Clone(),
        ParentId, ThreadId, SentAt, ExpiresAt, delivery is null ? null : MessageRows.StatusText(delivery.Status),
        delivery?.DeliveredAt, delivery?.AcknowledgedAt, recipients);
}

/// <summary>A recipient's status with its times; a direct message's row mirrors its one copy's.</summary>
public sealed record Delivery(MessageStatus Status, DateTimeOffset? DeliveredAt = null, DateTimeOffset? AcknowledgedAt = null)
{
    /// <summary>A copy nobody has read.</summary>
    public static Delivery Pending { get; } = new(MessageStatus.Pending);

    /// <summary>Read now.</summary>
    public static Delivery Delivered(DateTimeOffset now) => new(MessageStatus.Delivered, now);

    /// <summary>Acknowledged now; a copy acknowledged unread counts as delivered now too.</summary>
    public Delivery Acknowledge(DateTimeOffset now) => new(MessageStatus.Acknowledged, DeliveredAt ?? now, now);
}
