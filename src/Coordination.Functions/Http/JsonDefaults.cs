using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Functions.Http;

/// <summary>The JSON contract of the API: camelCase, enums as strings, unknown members refused, nullability respected.</summary>
public static class JsonDefaults
{
    /// <summary>Options for code outside the ASP.NET pipeline (manifest, tests) that must match the API's.</summary>
    public static JsonSerializerOptions Options { get; } =
        Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });

    /// <summary>Applies the API's settings to <paramref name="options"/>.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowTrailingCommas = false;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        return options;
    }

    /// <summary>A client-facing description of a contract mismatch, without .NET type names.</summary>
    public static string Describe(JsonException exception)
    {
        var message = exception.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "Unknown field";
        }
        if (message.Contains("missing required properties", StringComparison.Ordinal) || message.Contains("required", StringComparison.OrdinalIgnoreCase))
        {
            return "A required field is missing";
        }
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase))
        {
            return "A field that must have a value is null";
        }
        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            var target = message.Split("could not be converted to ", 2)[1].Split('.', 2)[0].Split(' ')[0];
            return $"Wrong type: expected {FriendlyType(target)}";
        }
        return "The body does not match the expected shape";
    }

    private static string FriendlyType(string clrName) => clrName switch
    {
        var n when n.EndsWith("Int32", StringComparison.Ordinal) || n.EndsWith("Int64", StringComparison.Ordinal) => "an integer",
        var n when n.EndsWith("Double", StringComparison.Ordinal) || n.EndsWith("Decimal", StringComparison.Ordinal) => "a number",
        var n when n.EndsWith("Boolean", StringComparison.Ordinal) => "true or false",
        var n when n.EndsWith("String", StringComparison.Ordinal) => "a string",
        var n when n.EndsWith("DateTimeOffset", StringComparison.Ordinal) => "an ISO 8601 time",
        var n when n.Contains("[]", StringComparison.Ordinal) || n.Contains("List", StringComparison.Ordinal) => "an array",
        _ => "a value of another shape",
    };
}
