using Azure.Data.Tables;
using Coordination.Core.Common;
using Coordination.Core.Messaging;
using Coordination.Core.Swarms;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Core;

public sealed class MessageRowsTests
{
    private static readonly IReadOnlyList<string> NoRecipients = [];

    private static readonly DateTimeOffset SentAt = new(2026, 11, 30, 8, 15, 0, TimeSpan.FromHours(2));

    private static readonly MessageContent Direct = new(
        "msg_direct", "alice", "bob|x", "request", 4, "review", "review PR 7", "{\"pr\":7}", "msg_parent", "msg_root", SentAt, SentAt.AddDays(3));

    private static readonly MessageContent Broadcast = new(
        "msg_all", "alice", MessageRows.BroadcastTarget, "info", 3, null, "all hands", null, null, "msg_all", SentAt, null);

    [Fact]
    public void A_direct_message_row_round_trips_with_its_status()
    {
        var delivery = new Delivery(MessageStatus.Acknowledged, SentAt.AddMinutes(1), SentAt.AddMinutes(2));
        var row = new MessageRow("swarm_a", Direct, ["bob|x"], delivery);

        var read = MessageRows.FromMessage(MessageRows.ToEntity(row));

        Assert.Equal(row with { Recipients = NoRecipients }, read with { Recipients = NoRecipients });
        Assert.Equal(row.Recipients, read.Recipients);
    }

    [Fact]
    public void A_broadcast_message_row_round_trips_with_its_recipient_list_and_no_status()
    {
        var recipients = Enumerable.Range(0, 3000).Select(i => $"agent-with-a-long-name-{i:D5}").ToList();   // > 64 KiB of JSON: chunked
        var row = new MessageRow("swarm_a", Broadcast with { Payload = new string('p', 40_000) }, recipients, null);

        var entity = MessageRows.ToEntity(row);
        var read = MessageRows.FromMessage(entity);

        Assert.Equal(row with { Recipients = NoRecipients }, read with { Recipients = NoRecipients });
        Assert.Equal(recipients, read.Recipients);
        Assert.Null(entity.GetString("Status"));
        Assert.Equal(3000, entity.GetInt32("Recipients"));
    }

    [Fact]
    public void An_inbox_row_round_trips_and_keeps_its_etag()
    {
        var row = new InboxRow("swarm_a", Direct, "bob|x", 1, Delivery.Delivered(SentAt.AddMinutes(5)));
        var entity = MessageRows.ToEntity(row);
        entity.ETag = new Azure.ETag("W/\"1\"");

        Assert.Equal(row with { ETag = entity.ETag }, MessageRows.FromInbox(entity));
        Assert.Equal(MessageRows.InboxKey("bob|x", 4, SentAt.UtcTicks, "msg_direct"), entity.RowKey);
    }

    [Fact]
    public void Index_rows_round_trip_through_their_keys()
    {
        var thread = MessageThreadRow.Of("swarm_a", Direct with { ThreadId = "msg_r|oot" });
        var expiry = new MessageExpiryRow("swarm_a", Direct.ExpiresTicks, Direct.MessageId);

        Assert.Equal(thread, MessageRows.FromThread(MessageRows.ToEntity(thread)));
        Assert.Equal(expiry, MessageRows.FromExpiry(MessageRows.ToEntity(expiry)));
        Assert.Equal(new ParentMessage("msg_root", Direct.ExpiresTicks), MessageRows.FromParent(MessageRows.ToEntity(new MessageRow("swarm_a", Direct, ["bob|x"], Delivery.Pending))));
    }

    [Fact]
    public void Rows_keep_the_stored_names_and_texts_existing_data_uses_and_write_no_nulls()
    {
        var entity = MessageRows.ToEntity(new InboxRow("swarm_a", Broadcast, "bob", 2, Delivery.Pending));

        Assert.Equal("pending", entity.GetString("Status"));
        Assert.Equal("bob", entity.GetString("Recipient"));
        Assert.Equal(MessageRows.NeverTicks, entity.GetInt64("ExpiresTicks"));
        Assert.True(entity.GetBoolean("Broadcast"));
        Assert.Null(entity.GetString("Subject"));
        Assert.Null(entity.GetDateTimeOffset("ExpiresAt"));
        Assert.Null(entity.GetDateTimeOffset("DeliveredAt"));
        Assert.Null(entity.GetString("Payload"));
    }

    [Fact]
    public void Delivery_patches_set_the_status_and_its_times_and_leave_the_content_alone()
    {
        var acknowledged = Delivery.Pending.Acknowledge(SentAt);
        var patch = MessageRows.DeliveryPatch("swarm_a", "msg_direct", acknowledged);

        Assert.Equal(MessageRows.MessageKey("msg_direct"), patch.RowKey);
        Assert.Equal("acknowledged", patch.GetString("Status"));
        Assert.Equal(SentAt, patch.GetDateTimeOffset("DeliveredAt"));
        Assert.Equal(SentAt, patch.GetDateTimeOffset("AcknowledgedAt"));
        Assert.Null(patch.GetString("Content"));
        var delivered = MessageRows.DeliveryPatch(new InboxRow("swarm_a", Direct, "bob|x", 1, Delivery.Pending), Delivery.Delivered(SentAt));
        Assert.Equal("delivered", delivered.GetString("Status"));
        Assert.Null(delivered.GetDateTimeOffset("AcknowledgedAt"));
    }

    [Theory]
    [InlineData("read")]
    [InlineData("Pending")]
    [InlineData("")]
    public void An_unknown_status_text_fails_loudly(string status)
    {
        var inbox = MessageRows.ToEntity(new InboxRow("swarm_a", Direct, "bob|x", 1, Delivery.Pending));
        var message = MessageRows.ToEntity(new MessageRow("swarm_a", Direct, ["bob|x"], Delivery.Pending));
        inbox["Status"] = status;
        message["Status"] = status;

        Assert.Throws<StoredRowException>(() => MessageRows.FromInbox(inbox));
        Assert.Throws<StoredRowException>(() => MessageRows.FromMessage(message));
        Assert.Null(MessageRows.ParseStatus(status));
    }

    [Fact]
    public void Rows_as_stored_before_typed_rows_read_back()
    {
        var copy = MessageRows.FromInbox(StoredCopy());
        var message = MessageRows.FromMessage(StoredCopy(recipientList: "[\"alice\",\"bob\"]", to: "*"));

        Assert.Equal(new InboxRow("swarm_a", new MessageContent("msg_1", "alice", "bob", "info", 3, null, "hello", null, null, "msg_1", SentAt, null), "bob", 1, Delivery.Pending), copy);
        Assert.Equal(["alice", "bob"], message.Recipients);
        Assert.Null(message.Delivery);
    }

    [Theory]
    [InlineData("MessageId")]
    [InlineData("From")]
    [InlineData("To")]
    [InlineData("Category")]
    [InlineData("Priority")]
    [InlineData("Content")]
    [InlineData("ThreadId")]
    [InlineData("SentAt")]
    [InlineData("Status")]
    [InlineData("Recipient")]
    [InlineData("Recipients")]
    public void A_missing_required_property_of_an_inbox_row_fails_loudly(string property) =>
        Assert.Throws<StoredRowException>(() => MessageRows.FromInbox(StoredCopy(without: property)));

    [Fact]
    public void Message_and_index_rows_without_what_they_must_carry_fail_loudly()
    {
        Assert.Throws<StoredRowException>(() => MessageRows.FromMessage(StoredCopy(without: "Status")));   // a direct message carries its status
        Assert.Throws<StoredRowException>(() => MessageRows.FromMessage(StoredCopy(to: "*")));   // a broadcast carries its recipients
        Assert.Throws<StoredRowException>(() => MessageRows.FromMessage(StoredCopy(recipientList: "{not json", to: "*")));
        Assert.Throws<StoredRowException>(() => MessageRows.FromParent(StoredCopy(without: "ThreadId")));
        Assert.Throws<StoredRowException>(() => MessageRows.FromParent(StoredCopy(without: "ExpiresTicks")));
        Assert.Throws<StoredRowException>(() => MessageRows.FromThread(new TableEntity("swarm_a", MessageRows.ThreadKey("msg_1", 5, "msg_1")) { ["MessageId"] = "msg_1" }));
        Assert.Throws<StoredRowException>(() => MessageRows.FromExpiry(new TableEntity("swarm_a", MessageRows.ExpiryKey(5, "msg_1"))));
        Assert.Throws<StoredRowException>(() => MessageRows.FromExpiry(new TableEntity("swarm_a", "msgexp|soon|msg_1") { ["MessageId"] = "msg_1" }));
        Assert.Throws<StoredRowException>(() => MessageRows.FromExpiry(new TableEntity("swarm_a", "msgexp|!zz|msg_1") { ["MessageId"] = "msg_1" }));
    }

    [Fact]
    public void A_broadcasts_recipients_are_the_agent_ids_in_the_member_keys()
    {
        Assert.Equal("bob|x", MessageRows.MemberIdOf(new TableEntity("swarm_a", SwarmRows.AgentKey("bob|x"))));
        Assert.Throws<StoredRowException>(() => MessageRows.MemberIdOf(new TableEntity("swarm_a", "meta|members")));
    }

    /// <summary>A copy of a message as the service has always stored it, written by name (not by the mapper).</summary>
    private static TableEntity StoredCopy(string? without = null, string? recipientList = null, string to = "bob")
    {
        var values = new Dictionary<string, object>
        {
            ["MessageId"] = "msg_1", ["From"] = "alice", ["To"] = to, ["Broadcast"] = to == "*", ["Category"] = "info", ["Priority"] = 3,
            ["Content"] = "hello", ["ThreadId"] = "msg_1", ["SentAt"] = SentAt, ["ExpiresTicks"] = MessageRows.NeverTicks,
            ["Recipient"] = "bob", ["Recipients"] = 1, ["Status"] = "pending",
        };
        if (recipientList is not null)
        {
            values["RecipientList"] = recipientList;
        }
        var entity = new TableEntity("swarm_a", MessageRows.InboxKey("bob", 3, SentAt.UtcTicks, "msg_1"));
        foreach (var (name, value) in values.Where(v => v.Key != without))
        {
            entity[name] = value;
        }
        return entity;
    }
}
