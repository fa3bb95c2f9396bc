using System.Globalization;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Events;

/// <summary>
/// Table shapes of the event log (never cross HTTP). In the swarm's partition:
/// <c>outbox|{ticks:D19}|{unique}</c> rows written in the same transaction as each change,
/// <c>evt|{sequence:D19}</c> rows written by the sequencer, and <c>meta|seq</c> holding the last
/// sequence and hash (its ETag makes exactly one sequencer win each batch).
/// </summary>
public static class EventRows
{
    /// <summary>RowKey prefix of outbox rows.</summary>
    public const string OutboxPrefix = "outbox|";

    /// <summary>RowKey prefix of sequenced events.</summary>
    public const string EventPrefix = "evt|";

    /// <summary>RowKey of the sequencer's state.</summary>
    public const string SequenceMetaKey = "meta|seq";

    /// <summary>Hash that precedes the first event.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>The RowKey of the event with this sequence: fixed width so lexical order = numeric order.</summary>
    public static string EventKey(long sequence) => EventPrefix + sequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Builds the outbox row a change commits together with its entity rows.</summary>
    public static TableEntity Outbox(string swarmId, PendingEvent pending, DateTimeOffset now)
    {
        var row = new TableEntity(swarmId, OutboxPrefix + now.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + Ids.RandomText(12))
        {
            ["EventId"] = Ids.New("evt"),
            ["Type"] = pending.Type,
            ["Actor"] = pending.Actor,
            ["Time"] = now,
        };
        if (pending.Subject is not null)
        {
            row["Subject"] = pending.Subject;
        }
        if (pending.Audience is not null)
        {
            row["Audience"] = pending.Audience;
        }
        StoredJson.Write(row, "Data", pending.Data);
        return row;
    }

    /// <summary>The sequenced row for an outbox row.</summary>
    public static TableEntity Sequenced(TableEntity outbox, long sequence, string prevHash, string hash)
    {
        var row = new TableEntity(outbox.PartitionKey, EventKey(sequence));
        foreach (var (name, value) in outbox)
        {
            row[name] = value;
        }
        row["Sequence"] = sequence;
        row["PrevHash"] = prevHash;
        row["Hash"] = hash;
        return row;
    }

    /// <summary>Reads an <c>evt|</c> row as a CloudEvent.</summary>
    public static SwarmEvent ToEvent(TableEntity row) => new()
    {
        Id = row.GetString("EventId")!,
        Source = SourceOf(row.PartitionKey),
        Type = row.GetString("Type")!,
        Subject = row.GetString("Subject"),
        Time = row.GetDateTimeOffset("Time")!.Value,
        Data = StoredJson.ReadElement(row, "Data"),
        Sequence = row.GetInt64("Sequence")!.Value,
        Actor = row.GetString("Actor")!,
        Hash = row.GetString("Hash")!,
        PrevHash = row.GetString("PrevHash")!,
    };

    /// <summary>The agent an event row is addressed to (<see cref="PendingEvent.Audience"/>), or null.</summary>
    public static string? AudienceOf(TableEntity row) => row.GetString("Audience");

    /// <summary>The CloudEvents <c>source</c> of a swarm's events.</summary>
    public static string SourceOf(string swarmId) => "/swarms/" + swarmId;

    /// <summary>Approximate characters an outbox row's data occupies (for batch size limits).</summary>
    public static int DataLength(TableEntity outbox) => StoredJson.Read(outbox, "Data")?.Length ?? 0;
}
