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
