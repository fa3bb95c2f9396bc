using Azure;
using Coordination.Core.Common;
using Coordination.Core.Events;

namespace Coordination.UnitTests.Core;

public sealed class EventRowsTests
{
    private const string Swarm = "swarm_rows";
    private static readonly DateTimeOffset Time = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
    private static readonly ETag Read = new("W/\"datetime'2026-03-04T05%3A06%3A07.1234567Z'\"");

    private static readonly EventContent Full = new("evt_1", "task.completed", "task_1", Time, "agent-a", "{\"n\":1,\"s\":\"é\"}", "bob");
    private static readonly EventContent Bare = new("evt_2", "agent.left", null, Time, "agent-b", null, null);
    private static readonly EventContent Large = new("evt_3", "custom.big", null, Time, "system", "\"" + new string('x', 70_000) + "\"", null);

    public static TheoryData<string> Contents => ["full", "bare", "large"];

    private static EventContent ContentNamed(string name) => name switch { "full" => Full, "bare" => Bare, _ => Large };

    [Theory]
    [MemberData(nameof(Contents))]
    public void An_outbox_row_reads_back_as_written(string content)
    {
        var row = new OutboxRow(Swarm, "outbox|0000000000000000001|abc", ContentNamed(content));
        var entity = EventRows.ToEntity(row);
        entity.ETag = Read;
        Assert.Equal(row with { ETag = Read }, EventRows.FromOutbox(entity));
    }

    [Theory]
    [MemberData(nameof(Contents))]
    public void An_event_row_reads_back_as_written_under_its_sequence_key(string content)
    {
        var row = new EventRow(Swarm, 42, ContentNamed(content), EventRows.GenesisHash, new string('a', 64));
        var entity = EventRows.ToEntity(row);
        Assert.Equal(EventRows.EventKey(42), entity.RowKey);
        Assert.Equal(row, EventRows.FromEvent(entity));
    }

    [Fact]
    public void The_sequence_meta_row_reads_back_as_written_and_its_head_alone()
    {
        var row = new SequenceMetaRow(Swarm, 7, new string('b', 64));
        var entity = EventRows.ToEntity(row);
        entity.ETag = Read;
        Assert.Equal(row with { ETag = Read }, EventRows.FromSequenceMeta(entity));
        Assert.Equal(7, EventRows.LastSequenceOf(entity));
        Assert.Equal(0, EventRows.LastSequenceOf(null));
    }

    [Fact]
    public void The_fan_out_cursor_reads_back_as_written()
    {
        var row = new FanOutCursorRow(Swarm, 99);
        var entity = EventRows.ToEntity(row);
        entity.ETag = Read;
        Assert.Equal(EventRows.FanOutCursorKey, entity.RowKey);
        Assert.Equal(row with { ETag = Read }, EventRows.FromFanOutCursor(entity));
    }

    [Fact]
    public void A_subscription_row_reads_back_as_written_and_its_cursor_patch_names_only_the_cursor()
    {
        var row = new SubscriptionRow(Swarm, "sub_1", "agent-a", ["task.*", "topic.deploys"], 5, Time);
        var entity = EventRows.ToEntity(row);
        entity.ETag = Read;
        var back = EventRows.FromSubscription(entity);
        AssertSame(row with { ETag = Read }, back);

        var patch = EventRows.CursorPatch(back, 9);
        Assert.Equal(entity.RowKey, patch.RowKey);
        Assert.False(patch.ContainsKey("Patterns"));
        entity["Cursor"] = patch["Cursor"];   // what a merge does
        AssertSame(row with { Cursor = 9, ETag = Read }, EventRows.FromSubscription(entity));
    }

    [Fact]
    public void Optional_fields_are_not_written_when_absent()
    {
        var entity = EventRows.ToEntity(new OutboxRow(Swarm, "outbox|1", Bare));
        Assert.False(entity.ContainsKey("Subject"));
        Assert.False(entity.ContainsKey("Audience"));
        Assert.False(entity.ContainsKey("Data"));
    }

    [Theory]
    [InlineData("EventId")]
    [InlineData("Type")]
    [InlineData("Time")]
    [InlineData("Actor")]
    public void An_outbox_row_without_a_required_property_fails_loudly(string property)
    {
        var entity = EventRows.ToEntity(new OutboxRow(Swarm, "outbox|1", Full));
        entity[property] = null;
        Assert.Throws<StoredRowException>(() => EventRows.FromOutbox(entity));
    }

    [Theory]
    [InlineData("Sequence")]
    [InlineData("PrevHash")]
    [InlineData("Hash")]
    [InlineData("EventId")]
    public void An_event_row_without_a_required_property_fails_loudly(string property)
    {
        var entity = EventRows.ToEntity(new EventRow(Swarm, 1, Full, EventRows.GenesisHash, EventRows.GenesisHash));
        entity[property] = null;
        Assert.Throws<StoredRowException>(() => EventRows.FromEvent(entity));
    }

    [Fact]
    public void Meta_and_cursor_rows_without_their_values_fail_loudly()
    {
        var meta = EventRows.ToEntity(new SequenceMetaRow(Swarm, 1, EventRows.GenesisHash));
        meta["LastHash"] = null;
        Assert.Throws<StoredRowException>(() => EventRows.FromSequenceMeta(meta));
        meta["LastSequence"] = null;
        Assert.Throws<StoredRowException>(() => EventRows.LastSequenceOf(meta));
        var cursor = EventRows.ToEntity(new FanOutCursorRow(Swarm, 1));
        cursor["LastPublished"] = null;
        Assert.Throws<StoredRowException>(() => EventRows.FromFanOutCursor(cursor));
    }

    [Theory]
    [InlineData("SubscriptionId")]
    [InlineData("Owner")]
    [InlineData("Patterns")]
    [InlineData("Cursor")]
    [InlineData("CreatedAt")]
    public void A_subscription_row_without_a_required_property_fails_loudly(string property)
    {
        var entity = EventRows.ToEntity(new SubscriptionRow(Swarm, "sub_1", "agent-a", ["*"], 0, Time));
        entity[property] = null;
        Assert.Throws<StoredRowException>(() => EventRows.FromSubscription(entity));
    }

    [Theory]
    [InlineData("task.*")]
    [InlineData("{\"a\":1}")]
    [InlineData("null")]
    [InlineData("[\"a\",null]")]
    public void Subscription_patterns_this_version_cannot_read_fail_loudly(string stored)
    {
        var entity = EventRows.ToEntity(new SubscriptionRow(Swarm, "sub_1", "agent-a", ["*"], 0, Time));
        entity["Patterns"] = stored;
        Assert.Throws<StoredRowException>(() => EventRows.FromSubscription(entity));
    }

    /// <summary>Hashes computed by the chain before rows were typed: existing logs must still verify.</summary>
    [Fact]
    public void Sequencing_through_the_stored_outbox_keeps_the_hash_chain_byte_for_byte()
    {
        var contents = new[] { Full with { EventId = "evt_golden1" }, Large with { EventId = "evt_golden2", Time = Time.AddSeconds(1) }, Bare with { EventId = "evt_golden3", Time = Time.AddSeconds(2) } };
        string[] expected =
        [
            "72cfcad32a54c557100d1d424e79b214ddf63f6370e9303040f07625c3911c92",
            "2fb0f94a1e5cbe640c67882337c2d9a852f2ee4fafad2b03cbf1cf21cc175823",
            "c098b77e1518078989705326c8c7ea7595a13778df944ad361733ffe032a37c8",
        ];
        var prevHash = EventRows.GenesisHash;
        for (var i = 0; i < contents.Length; i++)
        {
            var stored = EventRows.FromOutbox(EventRows.ToEntity(new OutboxRow("swarm_golden", "outbox|" + i, contents[i])));
            var sequenced = EventRows.FromEvent(EventRows.ToEntity(EventRows.Sequenced(stored, i + 1, prevHash)));
            Assert.Equal(expected[i], sequenced.Hash);
            Assert.Equal(prevHash, sequenced.PrevHash);
            Assert.Equal(sequenced.Hash, HashChain.Compute(sequenced.ToSwarmEvent()));
            prevHash = sequenced.Hash;
        }
    }

    [Fact]
    public void A_new_outbox_row_carries_the_pending_event_under_a_time_ordered_key()
    {
        var row = EventRows.NewOutbox(Swarm, new PendingEvent("message.sent", "msg_1", "{}", "alice") { Audience = "bob" }, Time);
        Assert.StartsWith(EventRows.OutboxPrefix + Time.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|", row.RowKey);
        Assert.StartsWith("evt_", row.Content.EventId);
        Assert.Equal(new EventContent(row.Content.EventId, "message.sent", "msg_1", Time, "alice", "{}", "bob"), row.Content);
    }

    [Fact]
    public void A_query_becomes_one_filter_over_the_event_range()
    {
        var query = new EventQuery(5, ["a", "it's"], "agent-a", Time, Patterns: [new TypePattern("task.*")]);
        Assert.Equal(
            $"PartitionKey eq '{Swarm}' and RowKey gt 'evt|0000000000000000005' and RowKey lt 'evt|~' and Actor eq 'agent-a'"
            + " and Time ge datetime'2026-03-04T05:06:07.1234567Z' and (Type eq 'a' or Type eq 'it''s') and ((Type ge 'task.' and Type lt 'task/'))",
            EventRows.Matching(Swarm, query));
    }

    /// <summary>Records compare lists by reference: the patterns are compared by content.</summary>
    private static void AssertSame(SubscriptionRow expected, SubscriptionRow actual)
    {
        Assert.Equal(expected.Patterns, actual.Patterns);
        Assert.Equal(expected, actual with { Patterns = expected.Patterns });
    }
}
