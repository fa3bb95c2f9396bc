using System.Globalization;
using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Messaging;

/// <summary>
/// Table shapes of mailboxes (never cross HTTP). In the swarm's partition:
/// <list type="bullet">
/// <item><c>msg|{messageId}</c>: the message (for a direct message also its status, mirrored from the inbox row).</item>
/// <item><c>inbox|{recipient}|{5-priority}|{sentTicks:D19}|{messageId}</c>: one copy per recipient, carrying the whole
/// message and that recipient's status, so an inbox page is ONE range query in priority-then-age order and the
/// last key returned is a stable cursor (keys never change; only the status does).</item>
/// <item><c>msgthread|{threadId}|{sentTicks:D19}|{messageId}</c>: a thread in the order sent.</item>
/// <item><c>msgexp|{expiryTicks:D19}|{messageId}</c>: exists while an expiring message exists, so the retention timer
/// finds what is due with one range query.</item>
/// </list>
/// Recipients (agent ids) and ids from routes pass through <see cref="TableKeyCodec"/>.
/// </summary>
public static class MessageRows
{
    /// <summary>The human's mailbox.</summary>
    public const string UserTarget = "user";

    /// <summary>Every member.</summary>
    public const string BroadcastTarget = "*";

    /// <summary>Expiry ticks of a message that never expires (so every row has a comparable value).</summary>
    public const long NeverTicks = long.MaxValue;

    /// <summary>Status values.</summary>
    public static class Status
    {
        /// <summary>Not read yet.</summary>
        public const string Pending = "pending";

        /// <summary>Read by the recipient (inbox or catch-up).</summary>
        public const string Delivered = "delivered";

        /// <summary>Acknowledged by the recipient.</summary>
        public const string Acknowledged = "acknowledged";

        /// <summary>Every status.</summary>
        public static readonly string[] All = [Pending, Delivered, Acknowledged];
    }

    /// <summary>The message row's key.</summary>
    public static string MessageKey(string messageId) => TableKeyCodec.Compose("msg", messageId);

    /// <summary>Everything before a recipient's inbox keys (inclusive lower bound is this plus anything).</summary>
    public static string InboxPrefix(string recipient) => TableKeyCodec.Compose("inbox", recipient) + "|";

    /// <summary>An inbox row's key.</summary>
    public static string InboxKey(string recipient, int priority, long sentTicks, string messageId) =>
        TableKeyCodec.Compose("inbox", recipient, (5 - priority).ToString(CultureInfo.InvariantCulture), Ticks(sentTicks), messageId);

    /// <summary>Prefix of a thread's index rows.</summary>
    public static string ThreadPrefix(string threadId) => TableKeyCodec.Compose("msgthread", threadId) + "|";

    /// <summary>A thread index row's key.</summary>
    public static string ThreadKey(string threadId, long sentTicks, string messageId) => TableKeyCodec.Compose("msgthread", threadId, Ticks(sentTicks), messageId);

    /// <summary>Prefix of expiry index rows.</summary>
    public const string ExpiryPrefix = "msgexp|";

    /// <summary>An expiry index row's key.</summary>
    public static string ExpiryKey(long expiryTicks, string messageId) => TableKeyCodec.Compose("msgexp", Ticks(expiryTicks), messageId);

    /// <summary>The exclusive upper bound of expiry keys due at <paramref name="now"/>.</summary>
    public static string ExpiryBound(DateTimeOffset now) => ExpiryPrefix + Ticks(now.UtcTicks) + "|";

    /// <summary>The immutable content of a message, written into its message row and every inbox copy.</summary>
    public sealed record Message(
        string MessageId, string From, string To, string Category, int Priority, string? Subject, string Content, string? Payload,
        string? ParentId, string ThreadId, DateTimeOffset SentAt, DateTimeOffset? ExpiresAt)
    {
        /// <summary>True for <c>*</c>.</summary>
        public bool Broadcast => To == BroadcastTarget;

        /// <summary>Expiry as ticks (<see cref="NeverTicks"/> when none).</summary>
        public long ExpiresTicks => ExpiresAt?.UtcTicks ?? NeverTicks;
    }

    /// <summary>The message row.</summary>
    public static TableEntity MessageRow(string swarmId, Message message, IReadOnlyList<string> recipients)
    {
        var row = Fill(new TableEntity(swarmId, MessageKey(message.MessageId)), message);
        row["Recipients"] = recipients.Count;
        if (message.Broadcast)
        {
            StoredJson.Write(row, "RecipientList", JsonSerializer.Serialize(recipients));
        }
        else
        {
            row["Status"] = Status.Pending;
        }
        return row;
    }

    /// <summary>A recipient's copy.</summary>
    public static TableEntity InboxRow(string swarmId, Message message, string recipient, int recipientCount)
    {
        var row = Fill(new TableEntity(swarmId, InboxKey(recipient, message.Priority, message.SentAt.UtcTicks, message.MessageId)), message);
        row["Recipient"] = recipient;
        row["Recipients"] = recipientCount;
        row["Status"] = Status.Pending;
        return row;
    }

    /// <summary>The thread index row.</summary>
    public static TableEntity ThreadRow(string swarmId, Message message) =>
        new(swarmId, ThreadKey(message.ThreadId, message.SentAt.UtcTicks, message.MessageId)) { ["MessageId"] = message.MessageId, ["ExpiresTicks"] = message.ExpiresTicks };

    /// <summary>The expiry index row (only for expiring messages).</summary>
    public static TableEntity ExpiryRow(string swarmId, Message message) =>
        new(swarmId, ExpiryKey(message.ExpiresTicks, message.MessageId)) { ["MessageId"] = message.MessageId };

    /// <summary>Recipients of a stored message row.</summary>
    public static IReadOnlyList<string> RecipientsOf(TableEntity messageRow) =>
        messageRow.GetBoolean("Broadcast") == true
            ? JsonSerializer.Deserialize<List<string>>(StoredJson.Read(messageRow, "RecipientList") ?? "[]") ?? []
            : [messageRow.GetString("To")!];

    /// <summary>The stored message content of a message or inbox row.</summary>
    public static Message Read(TableEntity row) => new(
        row.GetString("MessageId")!, row.GetString("From")!, row.GetString("To")!, row.GetString("Category")!, row.GetInt32("Priority") ?? 3,
        row.GetString("Subject"), row.GetString("Content") ?? string.Empty, StoredJson.Read(row, "Payload"), row.GetString("ParentId"),
        row.GetString("ThreadId")!, row.GetDateTimeOffset("SentAt")!.Value, row.GetDateTimeOffset("ExpiresAt"));

    /// <summary>True when the row's message has expired at <paramref name="now"/>.</summary>
    public static bool IsExpired(TableEntity row, DateTimeOffset now) => (row.GetInt64("ExpiresTicks") ?? NeverTicks) <= now.UtcTicks;

    /// <summary>
    /// The view of a message: content from <paramref name="row"/>, status from <paramref name="statusRow"/> (the
    /// caller's inbox copy, or the message row of a direct message; null for a broadcast the caller did not receive).
    /// </summary>
    public static MessageView ToView(TableEntity row, TableEntity? statusRow, int recipients)
    {
        var m = Read(row);
        return new MessageView(
            m.MessageId, m.From, m.To, m.Broadcast, m.Category, m.Priority, m.Subject, m.Content,
            m.Payload is null ? null : JsonDocument.Parse(m.Payload).RootElement.Clone(),
            m.ParentId, m.ThreadId, m.SentAt, m.ExpiresAt, statusRow?.GetString("Status"),
            statusRow?.GetDateTimeOffset("DeliveredAt"), statusRow?.GetDateTimeOffset("AcknowledgedAt"), recipients);
    }

    /// <summary>Approximate wire size of one copy, to keep a transaction under the 4 MiB limit.</summary>
    public static int ApproximateBytes(Message message) =>
        2048 + 3 * (message.Content.Length + (message.Subject?.Length ?? 0)) + 3 * (message.Payload?.Length ?? 0);

    private static TableEntity Fill(TableEntity row, Message m)
    {
        row["MessageId"] = m.MessageId;
        row["From"] = m.From;
        row["To"] = m.To;
        row["Broadcast"] = m.Broadcast;
        row["Category"] = m.Category;
        row["Priority"] = m.Priority;
        if (m.Subject is not null)
        {
            row["Subject"] = m.Subject;
        }
        row["Content"] = m.Content;
        StoredJson.Write(row, "Payload", m.Payload);
        if (m.ParentId is not null)
        {
            row["ParentId"] = m.ParentId;
        }
        row["ThreadId"] = m.ThreadId;
        row["SentAt"] = m.SentAt;
        if (m.ExpiresAt is { } expires)
        {
            row["ExpiresAt"] = expires;
        }
        row["ExpiresTicks"] = m.ExpiresTicks;
        return row;
    }

    private static string Ticks(long ticks) => ticks.ToString("D19", CultureInfo.InvariantCulture);
}
