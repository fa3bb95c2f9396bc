using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Core.Events;

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
