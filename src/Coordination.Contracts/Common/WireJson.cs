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

    /// <summary>The wire name of an enum value: <c>dead_lettered</c>, <c>coordinator</c>.</summary>
    /// <typeparam name="TEnum">A contract enum.</typeparam>
    /// <param name="value">The value.</param>
    public static string NameOf<TEnum>(TEnum value) where TEnum : struct, Enum => JsonSerializer.Serialize(value, Options).Trim('"');

    /// <summary>Reads an enum value from its wire name as the API reads it (case aside); false for anything else.</summary>
    /// <typeparam name="TEnum">A contract enum.</typeparam>
    /// <param name="name">The name given (a query value, a command-line or tool argument).</param>
    /// <param name="value">The value, when the name is one.</param>
    public static bool TryParseName<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }
        try
        {
            value = JsonSerializer.Deserialize<TEnum>(JsonSerializer.Serialize(name.Trim()), Options);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

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
