using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Core.Events;

/// <summary>
/// One entry of a swarm's event log, in CloudEvents 1.0 JSON shape plus the extension attributes
/// <c>sequence</c> (gapless per swarm), <c>actor</c> (the agent that caused it), <c>hash</c> and
/// <c>prevhash</c> (the tamper-evident chain).
/// </summary>
public sealed record SwarmEvent
{
    /// <summary>Always "1.0".</summary>
    [JsonPropertyName("specversion")]
    public string SpecVersion { get; init; } = "1.0";

    /// <summary>Unique event id (<c>evt_…</c>), stable across redeliveries.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary><c>/swarms/{swarmId}</c>.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>Event type, e.g. <c>agent.joined</c> or a custom broadcast type.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>What the event is about (an agent id, a task id, a key), if anything.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>When the change was committed.</summary>
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    /// <summary>Always <c>application/json</c>.</summary>
    [JsonPropertyName("datacontenttype")]
    public string DataContentType { get; init; } = "application/json";

    /// <summary>The event's JSON data, if any.</summary>
    [JsonPropertyName("data")]
    public JsonElement? Data { get; init; }

    /// <summary>Position in the swarm's log: 1, 2, 3, … with no gap.</summary>
    [JsonPropertyName("sequence")]
    public required long Sequence { get; init; }

    /// <summary>The agent (or <c>system</c>) whose request caused the change.</summary>
    [JsonPropertyName("actor")]
    public required string Actor { get; init; }

    /// <summary>SHA-256 (hex) over the previous hash and this event's fields.</summary>
    [JsonPropertyName("hash")]
    public required string Hash { get; init; }

    /// <summary>The previous event's hash (64 zeros before the first event).</summary>
    [JsonPropertyName("prevhash")]
    public required string PrevHash { get; init; }
}

/// <summary>An event a change appends, before it has a sequence number.</summary>
/// <param name="Type">Event type.</param>
/// <param name="Subject">What it is about, if anything.</param>
/// <param name="Data">JSON data text, if any.</param>
/// <param name="Actor">Who caused it (agent id, or <c>system</c> for timers).</param>
public sealed record PendingEvent(string Type, string? Subject, string? Data, string Actor)
{
    /// <summary>
    /// The one agent the event is addressed to, if any (a direct message): real-time fan-out also sends it to that
    /// agent alone. Stored with the event, outside the hashed fields and the CloudEvent.
    /// </summary>
    public string? Audience { get; init; }

    /// <summary>The actor name used for changes made by timers and the platform.</summary>
    public const string SystemActor = "system";

    /// <summary>An event whose data is <paramref name="data"/> serialized as JSON.</summary>
    public static PendingEvent Of<T>(string type, string? subject, T data, string actor) =>
        new(type, subject, JsonSerializer.Serialize(data, EventJson.Options), actor);
}

/// <summary>The JSON options events use for their data (camelCase, no nulls).</summary>
public static class EventJson
{
    /// <summary>Serializer options for event data.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        Converters = { new Common.UtcTimeConverter() },
    };
}
