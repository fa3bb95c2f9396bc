using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Coordination.Core.Common;

namespace Coordination.Functions.Http;

/// <summary>The JSON contract of the API: camelCase, enums as strings, numbers as numbers, times in UTC with <c>Z</c>, unknown members refused, nullability respected.</summary>
public static partial class JsonDefaults
{
    /// <summary>Options for code outside the ASP.NET pipeline (manifest, tests) that must match the API's.</summary>
    public static JsonSerializerOptions Options { get; } =
        Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });

    /// <summary>Applies the API's settings to <paramref name="options"/>.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        WireJson.ApplyWireFormat(options);
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowTrailingCommas = false;
        // Numbers are JSON numbers: the web defaults would also read "3" for 3, for some fields and not others.
        options.NumberHandling = JsonNumberHandling.Strict;
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
        // System.Text.Json says "... doesn't allow null values" (constructor parameters) or "... doesn't allow setting null values" (properties).
        if ((message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase)) ||
            (message.Contains("doesn't allow", StringComparison.Ordinal) && message.Contains("null values", StringComparison.Ordinal)))
        {
            return "A field that must have a value is null";
        }
        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            return $"Wrong type: expected {FriendlyType(ExpectedType(exception))}";
        }
        return "The body does not match the expected shape";
    }

    /// <summary>
    /// The type the body should have held. For a record's constructor parameter the outer message names the
    /// record ("could not be converted to CreateTask"), so the inner exception, which names the primitive it
    /// wanted ("out of bounds for an Int32", "as a boolean"), is asked first.
    /// </summary>
    private static string ExpectedType(JsonException exception)
    {
        // A primitive named by the outer message is the most precise ("System.Int32" where the reader only says "number").
        if (ConvertedTo().Match(exception.Message) is { Success: true } primitive && primitive.Groups[1].Value.StartsWith("System.", StringComparison.Ordinal))
        {
            return primitive.Groups[1].Value;
        }
        if (exception.InnerException?.Message is { } inner)
        {
            foreach (var pattern in (ReadOnlySpan<Regex>)[InnerOutOfBounds(), InnerFormat(), InnerTokenAs()])
            {
                if (pattern.Match(inner) is { Success: true } m)
                {
                    return m.Groups[1].Value;
                }
            }
        }
        return ConvertedTo().Match(exception.Message) is { Success: true } outer ? outer.Groups[1].Value : string.Empty;
    }

    [GeneratedRegex(@"out of bounds for an? (\w+)")]
    private static partial Regex InnerOutOfBounds();

    [GeneratedRegex(@"not in a supported (\w+) format")]
    private static partial Regex InnerFormat();

    [GeneratedRegex(@"token type '\w+' as an? (\w+)")]
    private static partial Regex InnerTokenAs();

    [GeneratedRegex(@"could not be converted to (\S+?)\.(?: |$)")]
    private static partial Regex ConvertedTo();

    internal static string FriendlyType(string clrName) => clrName switch
    {
        var n when n.EndsWith("Int16", StringComparison.Ordinal) || n.EndsWith("Int32", StringComparison.Ordinal) || n.EndsWith("Int64", StringComparison.Ordinal) => "an integer",
        var n when n.EndsWith("Double", StringComparison.Ordinal) || n.EndsWith("Single", StringComparison.Ordinal) || n.EndsWith("Decimal", StringComparison.Ordinal) || n == "number" => "a number",
        var n when n.EndsWith("Boolean", StringComparison.OrdinalIgnoreCase) => "true or false",
        var n when n.EndsWith("String", StringComparison.OrdinalIgnoreCase) => "a string",
        var n when n.EndsWith("DateTimeOffset", StringComparison.Ordinal) || n.EndsWith("DateTime", StringComparison.Ordinal) => "an ISO 8601 time",
        var n when n.EndsWith("Guid", StringComparison.Ordinal) => "a UUID",
        var n when n.Contains("[]", StringComparison.Ordinal) || n.Contains("List", StringComparison.Ordinal) => "an array",
        _ => "a value of another shape",
    };
}
