using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Core.Common;

/// <summary>
/// The JSON shape of the API that both ends share: camelCase members, absent rather than null optional members, enums
/// as snake_case strings, and times in UTC with a <c>Z</c>. The app adds strict reading on top (unknown members and
/// quoted numbers refused); a client reads leniently so that members added later do not break it.
/// </summary>
public static class WireJson
{
    /// <summary>Options a client reads and writes the API with (unknown members are skipped).</summary>
    public static JsonSerializerOptions Options { get; } = ApplyWireFormat(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    });

    /// <summary>Applies the wire format to <paramref name="options"/> and returns them.</summary>
    public static JsonSerializerOptions ApplyWireFormat(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new UtcTimeConverter());
        return options;
    }
}
