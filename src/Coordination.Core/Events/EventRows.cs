using System.Globalization;
using System.Text.Json;
using Azure;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Events;

/// <summary>What an event carries from its outbox row to its <c>evt|</c> row; every field but <see cref="Audience"/> is hashed.</summary>
/// <param name="EventId">Unique event id (<c>evt_…</c>).</param>
/// <param name="Type">Event type.</param>
/// <param name="Subject">What it is about, if anything.</param>
/// <param name="Time">When the change was committed.</param>
/// <param name="Actor">Who caused it.</param>
/// <param name="Data">JSON data text, if any.</param>
/// <param name="Audience">The one agent it is addressed to, if any (<see cref="PendingEvent.Audience"/>).</param>
public sealed record EventContent(string EventId, string Type, string? Subject, DateTimeOffset Time, string Actor, string? Data, string? Audience);

/// <summary>An <c>outbox|{ticks:D19}|{unique}</c> row: an event committed with its change, not yet sequenced.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="RowKey">Its key: commit ticks, then random text.</param>
/// <param name="Content">The event.</param>
public sealed record OutboxRow(string SwarmId, string RowKey, EventContent Content)
{
    /// <summary>The ETag read; the sequencer deletes the row under it.</summary>
    public ETag ETag { get; init; }
}

/// <summary>An <c>evt|{sequence:D19}</c> row: a sequenced event with its place in the hash chain.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="Sequence">Position in the log (1, 2, 3, … with no gap).</param>
/// <param name="Content">The event.</param>
/// <param name="PrevHash">The previous event's hash.</param>
/// <param name="Hash">This event's hash.</param>
public sealed record EventRow(string SwarmId, long Sequence, EventContent Content, string PrevHash, string Hash)
{
    /// <summary>The event as a CloudEvent.</summary>
    public SwarmEvent ToSwarmEvent() => new()
    {
        Id = Content.EventId,
        Source = EventRows.SourceOf(SwarmId),
        Type = Content.Type,
        Subject = Content.Subject,
        Time = Content.Time,
        Data = Content.Data is { } data ? JsonDocument.Parse(data).RootElement.Clone() : null,
        Sequence = Sequence,
        Actor = Content.Actor,
        Hash = Hash,
        PrevHash = PrevHash,
    };
}

/// <summary>The <c>meta|seq</c> row: the log's last sequence and hash. Its ETag makes exactly one sequencer win each batch.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="LastSequence">The last sequence committed.</param>
/// <param name="LastHash">That event's hash.</param>
public sealed record SequenceMetaRow(string SwarmId, long LastSequence, string LastHash)
{
    /// <summary>The ETag read; the next batch replaces the row under it.</summary>
    public ETag ETag { get; init; }
}

/// <summary>The <c>meta|fanout</c> row: the last sequence real-time fan-out published.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="LastPublished">The last sequence sent to Web PubSub.</param>
public sealed record FanOutCursorRow(string SwarmId, long LastPublished)
{
    /// <summary>The ETag read; the cursor advances under it.</summary>
    public ETag ETag { get; init; }
}

/// <summary>A <c>sub|{subscriptionId}</c> row: a durable subscription and its cursor.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="SubscriptionId">Id (<c>sub_…</c>).</param>
/// <param name="Owner">The agent that created it.</param>
/// <param name="Patterns">Its type patterns (stored as a JSON array).</param>
/// <param name="Cursor">The last acknowledged sequence.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record SubscriptionRow(string SwarmId, string SubscriptionId, string Owner, IReadOnlyList<string> Patterns, long Cursor, DateTimeOffset CreatedAt)
{
    /// <summary>The ETag read; acknowledgements move the cursor under it.</summary>
    public ETag ETag { get; init; }
}

/// <summary>
/// Table shapes of the event log (never cross HTTP) and their one mapper. In the swarm's partition:
/// <c>outbox|{ticks:D19}|{unique}</c> rows written in the same transaction as each change,
/// <c>evt|{sequence:D19}</c> rows written by the sequencer, <c>meta|seq</c> holding the last sequence and hash,
/// <c>meta|fanout</c> holding the real-time fan-out's cursor, and <c>sub|{id}</c> subscriptions.
/// </summary>
public static class EventRows
{
    /// <summary>RowKey prefix of outbox rows.</summary>
    public const string OutboxPrefix = "outbox|";

    /// <summary>RowKey prefix of sequenced events.</summary>
    public const string EventPrefix = "evt|";

    /// <summary>RowKey of the sequencer's state.</summary>
    public const string SequenceMetaKey = "meta|seq";

    /// <summary>RowKey of the real-time fan-out's cursor.</summary>
    public const string FanOutCursorKey = "meta|fanout";

    /// <summary>Hash that precedes the first event.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>The only property a read of the log's head needs (<see cref="LastSequenceOf"/>).</summary>
    public static IReadOnlyList<string> LastSequenceSelect { get; } = [LastSequence];

    private const string EventId = "EventId", Type = "Type", Subject = "Subject", Time = "Time", Actor = "Actor", Data = "Data", Audience = "Audience";
    private const string Sequence = "Sequence", PrevHash = "PrevHash", Hash = "Hash", LastSequence = "LastSequence", LastHash = "LastHash";
    private const string LastPublished = "LastPublished";
    private const string SubscriptionId = "SubscriptionId", Owner = "Owner", Patterns = "Patterns", Cursor = "Cursor", CreatedAt = "CreatedAt";

    /// <summary>The RowKey of the event with this sequence: fixed width so lexical order = numeric order.</summary>
    public static string EventKey(long sequence) => EventPrefix + sequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The RowKey of a subscription.</summary>
    public static string SubscriptionKey(string subscriptionId) => TableKeyCodec.Compose("sub", subscriptionId);

    /// <summary>The CloudEvents <c>source</c> of a swarm's events.</summary>
    public static string SourceOf(string swarmId) => "/swarms/" + swarmId;

    /// <summary>A new outbox row for an event a change commits at <paramref name="now"/> (fresh key and event id).</summary>
    public static OutboxRow NewOutbox(string swarmId, PendingEvent pending, DateTimeOffset now) =>
        new(swarmId, OutboxPrefix + now.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + Ids.RandomText(12),
            new EventContent(Ids.New("evt"), pending.Type, pending.Subject, now, pending.Actor, pending.Data, pending.Audience));

    /// <summary>The event an outbox row becomes at <paramref name="sequence"/>, chained to <paramref name="prevHash"/>.</summary>
    public static EventRow Sequenced(OutboxRow outbox, long sequence, string prevHash) =>
        new(outbox.SwarmId, sequence, outbox.Content, prevHash, HashChain.Compute(prevHash, sequence, outbox.SwarmId, outbox.Content));

    /// <summary>Reads an outbox row.</summary>
    public static OutboxRow FromOutbox(TableEntity entity) =>
        new(entity.PartitionKey, entity.RowKey, ContentOf(entity)) { ETag = entity.ETag };

    /// <summary>Reads an <c>evt|</c> row.</summary>
    public static EventRow FromEvent(TableEntity entity) =>
        new(entity.PartitionKey, entity.RequiredInt64(Sequence), ContentOf(entity), entity.RequiredString(PrevHash), entity.RequiredString(Hash));

    /// <summary>Reads the <c>meta|seq</c> row.</summary>
    public static SequenceMetaRow FromSequenceMeta(TableEntity entity) =>
        new(entity.PartitionKey, entity.RequiredInt64(LastSequence), entity.RequiredString(LastHash)) { ETag = entity.ETag };

    /// <summary>The last sequence in a <c>meta|seq</c> row read with <see cref="LastSequenceSelect"/> (0 when there is none yet).</summary>
    public static long LastSequenceOf(TableEntity? entity) => entity?.RequiredInt64(LastSequence) ?? 0;

    /// <summary>Reads the <c>meta|fanout</c> row.</summary>
    public static FanOutCursorRow FromFanOutCursor(TableEntity entity) =>
        new(entity.PartitionKey, entity.RequiredInt64(LastPublished)) { ETag = entity.ETag };

    /// <summary>Reads a subscription row.</summary>
    public static SubscriptionRow FromSubscription(TableEntity entity) =>
        new(entity.PartitionKey, entity.RequiredString(SubscriptionId), entity.RequiredString(Owner), PatternsOf(entity),
            entity.RequiredInt64(Cursor), entity.RequiredTime(CreatedAt)) { ETag = entity.ETag };

    /// <summary>The entity of an outbox row.</summary>
    public static TableEntity ToEntity(OutboxRow row) => WithContent(new TableEntity(row.SwarmId, row.RowKey), row.Content);

    /// <summary>The entity of an <c>evt|</c> row.</summary>
    public static TableEntity ToEntity(EventRow row)
    {
        var entity = WithContent(new TableEntity(row.SwarmId, EventKey(row.Sequence)), row.Content);
        entity[Sequence] = row.Sequence;
        entity[PrevHash] = row.PrevHash;
        entity[Hash] = row.Hash;
        return entity;
    }

    /// <summary>The entity of the <c>meta|seq</c> row.</summary>
    public static TableEntity ToEntity(SequenceMetaRow row) =>
        new(row.SwarmId, SequenceMetaKey) { [LastSequence] = row.LastSequence, [LastHash] = row.LastHash };

    /// <summary>The entity of the <c>meta|fanout</c> row.</summary>
    public static TableEntity ToEntity(FanOutCursorRow row) => new(row.SwarmId, FanOutCursorKey) { [LastPublished] = row.LastPublished };

    /// <summary>The entity of a subscription row.</summary>
    public static TableEntity ToEntity(SubscriptionRow row) => new(row.SwarmId, SubscriptionKey(row.SubscriptionId))
    {
        [SubscriptionId] = row.SubscriptionId, [Owner] = row.Owner, [Patterns] = JsonSerializer.Serialize(row.Patterns),
        [Cursor] = row.Cursor, [CreatedAt] = row.CreatedAt,
    };

    /// <summary>The partial update (merge) that moves a subscription's cursor.</summary>
    public static TableEntity CursorPatch(SubscriptionRow row, long cursor) =>
        new(row.SwarmId, SubscriptionKey(row.SubscriptionId)) { [Cursor] = cursor };

    /// <summary>The swarm's unsequenced outbox rows, in commit order.</summary>
    public static string PendingOutbox(string swarmId) => TableFilter.RowKeyPrefix(swarmId, OutboxPrefix);

    /// <summary>The swarm's events after <paramref name="after"/>, in sequence order.</summary>
    public static string EventsAfter(string swarmId, long after) =>
        $"{TableFilter.Partition(swarmId)} and RowKey gt {TableFilter.Literal(EventKey(after))} and RowKey lt {TableFilter.Literal(EventPrefix + "~")}";

    /// <summary>The swarm's events matching <paramref name="query"/> (all but its limit).</summary>
    public static string Matching(string swarmId, EventQuery query)
    {
        var filter = EventsAfter(swarmId, query.After);
        if (query.Actor is not null)
        {
            filter += $" and {Actor} eq {TableFilter.Literal(query.Actor)}";
        }
        if (query.Since is { } since)
        {
            filter += $" and {Time} ge {TableFilter.Literal(since)}";
        }
        if (query.Types is { Count: > 0 } types)
        {
            filter += " and (" + string.Join(" or ", types.Select(TypeIs)) + ")";
        }
        if (query.Patterns is { Count: > 0 } patterns && TypePattern.FilterAny(patterns) is { } matching)
        {
            filter += " and " + matching;
        }
        return filter;
    }

    /// <summary>Events of exactly this type.</summary>
    public static string TypeIs(string type) => $"{Type} eq {TableFilter.Literal(type)}";

    /// <summary>Events whose type starts with <paramref name="prefix"/>: a range, up to the prefix with its last character incremented.</summary>
    public static string TypeStartsWith(string prefix) =>
        $"({Type} ge {TableFilter.Literal(prefix)} and {Type} lt {TableFilter.Literal(prefix[..^1] + (char)(prefix[^1] + 1))})";

    private static EventContent ContentOf(TableEntity entity) =>
        new(entity.RequiredString(EventId), entity.RequiredString(Type), entity.GetString(Subject), entity.RequiredTime(Time),
            entity.RequiredString(Actor), StoredJson.Read(entity, Data), entity.GetString(Audience));

    private static TableEntity WithContent(TableEntity entity, EventContent content)
    {
        entity[EventId] = content.EventId;
        entity[Type] = content.Type;
        entity[Actor] = content.Actor;
        entity[Time] = content.Time;
        if (content.Subject is not null)
        {
            entity[Subject] = content.Subject;
        }
        if (content.Audience is not null)
        {
            entity[Audience] = content.Audience;
        }
        StoredJson.Write(entity, Data, content.Data);
        return entity;
    }

    private static List<string> PatternsOf(TableEntity entity)
    {
        var text = entity.RequiredString(Patterns);
        try
        {
            return JsonSerializer.Deserialize<List<string>>(text) is { } patterns && !patterns.Contains(null!)
                ? patterns
                : throw StoredRow.Unknown(entity, Patterns, text);
        }
        catch (JsonException)
        {
            throw StoredRow.Unknown(entity, Patterns, text);
        }
    }
}
