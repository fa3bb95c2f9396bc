using System.Globalization;
using System.Text.Json;
using Azure;
using Coordination.Core.Common;
using Coordination.Core.Swarms;
using Coordination.Storage.Tables;

namespace Coordination.Core.Messaging;

/// <summary>
/// Table shapes of mailboxes (never cross HTTP) and their one mapper. In the swarm's partition:
/// <list type="bullet">
/// <item><c>msg|{messageId}</c>: the message (for a direct message also its status, mirrored from the inbox row).</item>
/// <item><c>inbox|{recipient}|{5-priority}|{sentTicks:D19}|{messageId}</c>: one copy per recipient, carrying the whole
/// message and that recipient's status, so an inbox page is ONE range query in priority-then-age order and the
/// last key returned is a stable cursor (keys never change; only the status does).</item>
/// <item><c>msgthread|{threadId}|{sentTicks:D19}|{messageId}</c>: a thread in the order sent.</item>
/// <item><c>msgexp|{expiryTicks:D19}|{messageId}</c>: exists while an expiring message exists, so the retention timer
/// finds what is due with one range query.</item>
/// </list>
/// Recipients (agent ids) and ids from routes pass through <see cref="TableKeyCodec"/>. Every row but the expiry index
/// carries <c>ExpiresTicks</c> (<see cref="NeverTicks"/> when none), so reads filter expired messages out server-side.
/// </summary>
public static class MessageRows
{
    /// <summary>The human's mailbox.</summary>
    public const string UserTarget = "user";

    /// <summary>Every member.</summary>
    public const string BroadcastTarget = "*";

    /// <summary>Expiry ticks of a message that never expires (so every row has a comparable value).</summary>
    public const long NeverTicks = long.MaxValue;

    /// <summary>Prefix of expiry index rows.</summary>
    public const string ExpiryPrefix = ExpiryKind + "|";

    private const string ThreadKind = "msgthread";
    private const string ExpiryKind = "msgexp";

    /// <summary>The stored texts of <see cref="MessageStatus"/>, in the order the API lists them.</summary>
    public static IReadOnlyList<string> StatusTexts { get; } = ["pending", "delivered", "acknowledged"];

    private static readonly Dictionary<string, MessageStatus> StatusByText = new(StringComparer.Ordinal)
    {
        [StatusTexts[0]] = MessageStatus.Pending, [StatusTexts[1]] = MessageStatus.Delivered, [StatusTexts[2]] = MessageStatus.Acknowledged,
    };

    /// <summary>The stored (and API) text of a status.</summary>
    public static string StatusText(MessageStatus status) => StatusTexts[(int)status];

    /// <summary>The status a text names, or null when it names none.</summary>
    public static MessageStatus? ParseStatus(string text) => StatusByText.TryGetValue(text, out var status) ? status : null;

    /// <summary>The message row's key.</summary>
    public static string MessageKey(string messageId) => TableKeyCodec.Compose("msg", messageId);

    /// <summary>Everything before a recipient's inbox keys (inclusive lower bound is this plus anything).</summary>
    public static string InboxPrefix(string recipient) => TableKeyCodec.Compose("inbox", recipient) + "|";

    /// <summary>An inbox row's key.</summary>
    public static string InboxKey(string recipient, int priority, long sentTicks, string messageId) =>
        TableKeyCodec.Compose("inbox", recipient, (5 - priority).ToString(CultureInfo.InvariantCulture), Ticks(sentTicks), messageId);

    /// <summary>The key of <paramref name="recipient"/>'s copy of <paramref name="m"/>.</summary>
    public static string InboxKey(string recipient, MessageContent m) => InboxKey(recipient, m.Priority, m.SentAt.UtcTicks, m.MessageId);

    /// <summary>Prefix of a thread's index rows.</summary>
    public static string ThreadPrefix(string threadId) => TableKeyCodec.Compose(ThreadKind, threadId) + "|";

    /// <summary>A thread index row's key.</summary>
    public static string ThreadKey(string threadId, long sentTicks, string messageId) => TableKeyCodec.Compose(ThreadKind, threadId, Ticks(sentTicks), messageId);

    /// <summary>An expiry index row's key.</summary>
    public static string ExpiryKey(long expiryTicks, string messageId) => TableKeyCodec.Compose(ExpiryKind, Ticks(expiryTicks), messageId);

    /// <summary>The exclusive upper bound of expiry keys due at <paramref name="now"/>.</summary>
    public static string ExpiryBound(DateTimeOffset now) => ExpiryPrefix + Ticks(now.UtcTicks) + "|";

    // ---- Writing (null properties are skipped: absent reads as null) ----

    /// <summary>The message row.</summary>
    public static TableEntity ToEntity(MessageRow row)
    {
        var entity = Content(new TableEntity(row.SwarmId, row.RowKey), row.Message);
        entity["Recipients"] = row.Recipients.Count;
        if (row.Message.Broadcast)
        {
            StoredJson.Write(entity, "RecipientList", JsonSerializer.Serialize(row.Recipients));
        }
        return row.Delivery is null ? entity : Write(entity, row.Delivery);
    }

    /// <summary>A recipient's copy.</summary>
    public static TableEntity ToEntity(InboxRow row)
    {
        var entity = Content(new TableEntity(row.SwarmId, row.RowKey), row.Message);
        entity["Recipient"] = row.Recipient;
        entity["Recipients"] = row.Recipients;
        return Write(entity, row.Delivery);
    }

    /// <summary>The thread index row.</summary>
    public static TableEntity ToEntity(MessageThreadRow row) =>
        new(row.SwarmId, ThreadKey(row.ThreadId, row.SentTicks, row.MessageId)) { ["MessageId"] = row.MessageId, ["ExpiresTicks"] = row.ExpiresTicks };

    /// <summary>The expiry index row.</summary>
    public static TableEntity ToEntity(MessageExpiryRow row) =>
        new(row.SwarmId, ExpiryKey(row.ExpiresTicks, row.MessageId)) { ["MessageId"] = row.MessageId };

    /// <summary>A merge that sets a copy's status (guard it with the copy's ETag).</summary>
    public static TableEntity DeliveryPatch(InboxRow copy, Delivery delivery) => Write(new TableEntity(copy.SwarmId, copy.RowKey), delivery);

    /// <summary>A merge that mirrors a direct message's copy status onto its message row.</summary>
    public static TableEntity DeliveryPatch(string swarmId, string messageId, Delivery delivery) => Write(new TableEntity(swarmId, MessageKey(messageId)), delivery);

    // ---- Reading (strict: a missing required property or an unknown status throws StoredRowException) ----

    /// <summary>Reads a message row.</summary>
    public static MessageRow FromMessage(TableEntity entity)
    {
        var message = ReadContent(entity);
        return message.Broadcast
            ? new MessageRow(entity.PartitionKey, message, ReadRecipientList(entity), null) { ETag = entity.ETag }
            : new MessageRow(entity.PartitionKey, message, [message.To], ReadDelivery(entity)) { ETag = entity.ETag };
    }

    /// <summary>Reads an inbox copy.</summary>
    public static InboxRow FromInbox(TableEntity entity) => new(
        entity.PartitionKey, ReadContent(entity), entity.RequiredString("Recipient"), entity.RequiredInt32("Recipients"), ReadDelivery(entity)) { ETag = entity.ETag };

    /// <summary>Reads a thread index row (the message id from its property, thread and time from its key).</summary>
    public static MessageThreadRow FromThread(TableEntity entity)
    {
        var parts = KeyParts(entity, ThreadKind, 3);
        return new(entity.PartitionKey, parts[0], ParseTicks(entity, parts[1]), entity.RequiredString("MessageId"), entity.RequiredInt64("ExpiresTicks"));
    }

    /// <summary>Reads an expiry index row (the message id from its property, the expiry from its key).</summary>
    public static MessageExpiryRow FromExpiry(TableEntity entity) =>
        new(entity.PartitionKey, ParseTicks(entity, KeyParts(entity, ExpiryKind, 2)[0]), entity.RequiredString("MessageId"));

    /// <summary>Reads a <see cref="ParentSelect"/> read of a message row.</summary>
    public static ParentMessage FromParent(TableEntity entity) => new(entity.RequiredString("ThreadId"), entity.RequiredInt64("ExpiresTicks"));

    // ---- Queries ----

    /// <summary>What a reply reads of its parent.</summary>
    public static IReadOnlyList<string> ParentSelect { get; } = ["ThreadId", "ExpiresTicks"];

    /// <summary>What a thread read needs of its index rows.</summary>
    public static IReadOnlyList<string> ThreadSelect { get; } = ["MessageId", "ExpiresTicks"];

    /// <summary>What the retention timer needs of expiry index rows.</summary>
    public static IReadOnlyList<string> ExpirySelect { get; } = ["MessageId"];

    /// <summary>
    /// Keys only: a broadcast's recipients are the agent ids in the swarm's member keys (<see cref="MemberIdOf"/>), so the
    /// member rows' properties are neither read nor named here.
    /// </summary>
    public static IReadOnlyList<string> KeysOnly { get; } = ["RowKey"];

    /// <summary>The swarm's member rows.</summary>
    public static string MembersFilter(string swarmId) => TableFilter.RowKeyPrefix(swarmId, SwarmRows.AgentPrefix);

    /// <summary>The agent id of a member row read with <see cref="KeysOnly"/>.</summary>
    public static string MemberIdOf(TableEntity memberRow) => KeyParts(memberRow, SwarmRows.AgentKind, 1)[0];

    /// <summary>
    /// A page of <paramref name="recipient"/>'s unexpired copies after the key suffix <paramref name="after"/> (a cursor;
    /// null from the start), optionally of one status or category, optionally without broadcasts.
    /// </summary>
    public static string InboxFilter(string swarmId, string recipient, string? after, DateTimeOffset now, MessageStatus? status, string? category, bool includeBroadcast)
    {
        var prefix = InboxPrefix(recipient);
        var filter = $"{TableFilter.RowKeyPrefix(swarmId, prefix, after is null ? null : prefix + after)} and {Unexpired(now)}";
        if (status is { } s)
        {
            filter += $" and Status eq {TableFilter.Literal(StatusText(s))}";
        }
        if (category is not null)
        {
            filter += $" and Category eq {TableFilter.Literal(category)}";
        }
        return includeBroadcast ? filter : filter + " and Broadcast eq false";
    }

    /// <summary>
    /// The unexpired index rows of a thread, in the order sent, after the key suffix <paramref name="after"/> (a cursor;
    /// null from the start).
    /// </summary>
    public static string ThreadFilter(string swarmId, string threadId, string? after, DateTimeOffset now)
    {
        var prefix = ThreadPrefix(threadId);
        return $"{TableFilter.RowKeyPrefix(swarmId, prefix, after is null ? null : prefix + after)} and {Unexpired(now)}";
    }

    /// <summary>The key suffix after <see cref="ThreadPrefix"/> of a thread index row: what a thread cursor holds.</summary>
    public static string ThreadCursorSuffix(MessageThreadRow row) => ThreadKey(row.ThreadId, row.SentTicks, row.MessageId)[ThreadPrefix(row.ThreadId).Length..];

    /// <summary>Expiry index rows due at <paramref name="now"/>, soonest first.</summary>
    public static string DueFilter(string swarmId, DateTimeOffset now) =>
        $"{TableFilter.Partition(swarmId)} and RowKey ge {TableFilter.Literal(ExpiryPrefix)} and RowKey lt {TableFilter.Literal(ExpiryBound(now))}";

    private static string Unexpired(DateTimeOffset now) => $"ExpiresTicks gt {TableFilter.Literal(now.UtcTicks)}";

    private static TableEntity Content(TableEntity row, MessageContent m)
    {
        row["MessageId"] = m.MessageId;
        row["From"] = m.From;
        row["To"] = m.To;
        row["Broadcast"] = m.Broadcast;
        row["Category"] = m.Category;
        row["Priority"] = m.Priority;
        SetPresent(row, "Subject", m.Subject);
        row["Content"] = m.Content;
        StoredJson.Write(row, "Payload", m.Payload);
        SetPresent(row, "ParentId", m.ParentId);
        row["ThreadId"] = m.ThreadId;
        row["SentAt"] = m.SentAt;
        SetPresent(row, "ExpiresAt", m.ExpiresAt);
        row["ExpiresTicks"] = m.ExpiresTicks;
        return row;
    }

    private static TableEntity Write(TableEntity row, Delivery delivery)
    {
        row["Status"] = StatusText(delivery.Status);
        SetPresent(row, "DeliveredAt", delivery.DeliveredAt);
        SetPresent(row, "AcknowledgedAt", delivery.AcknowledgedAt);
        return row;
    }

    /// <summary>Null is never written: an absent property reads as null.</summary>
    private static void SetPresent(TableEntity row, string name, object? value)
    {
        if (value is not null)
        {
            row[name] = value;
        }
    }

    private static MessageContent ReadContent(TableEntity row) => new(
        row.RequiredString("MessageId"), row.RequiredString("From"), row.RequiredString("To"), row.RequiredString("Category"),
        row.RequiredInt32("Priority"), row.GetString("Subject"), row.RequiredString("Content"), StoredJson.Read(row, "Payload"),
        row.GetString("ParentId"), row.RequiredString("ThreadId"), row.RequiredTime("SentAt"), row.GetDateTimeOffset("ExpiresAt"));

    private static Delivery ReadDelivery(TableEntity row) =>
        new(row.RequiredChoice("Status", StatusByText), row.GetDateTimeOffset("DeliveredAt"), row.GetDateTimeOffset("AcknowledgedAt"));

    private static IReadOnlyList<string> ReadRecipientList(TableEntity row)
    {
        // StoredJson reads null only when the first part is absent; RequiredString then names the missing property.
        var json = StoredJson.Read(row, "RecipientList") ?? row.RequiredString("RecipientList");
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? throw StoredRow.Unknown(row, "RecipientList", json);
        }
        catch (JsonException)   // not the client's JSON: left alone, it would surface as a 400 malformed_json
        {
            throw StoredRow.Unknown(row, "RecipientList", json);
        }
    }

    private static string[] KeyParts(TableEntity row, string kind, int count)
    {
        try
        {
            var parts = row.RowKey.StartsWith(kind + TableKeyCodec.Separator, StringComparison.Ordinal) ? TableKeyCodec.Split(row.RowKey) : [];
            return parts.Length == count ? parts : throw StoredRow.Unknown(row, "RowKey", row.RowKey);
        }
        catch (FormatException)
        {
            throw StoredRow.Unknown(row, "RowKey", row.RowKey);
        }
    }

    private static long ParseTicks(TableEntity row, string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : throw StoredRow.Unknown(row, "RowKey", row.RowKey);

    private static string Ticks(long ticks) => ticks.ToString("D19", CultureInfo.InvariantCulture);
}
