using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Coordination.Functions.Http;

/// <summary>What was wrong with a well-formed JSON body: the field (as a JSON path), what was expected, and any limit.</summary>
/// <param name="Detail">A sentence naming the field and what it should have held, without .NET type names.</param>
/// <param name="Path">The JSON path of the offending field (the object's, for a missing field).</param>
/// <param name="Extensions">Extra problem members: the allowed values, the missing fields, the limit.</param>
public sealed record ContractError(string Detail, string Path, IReadOnlyDictionary<string, object?> Extensions);

/// <summary>
/// Turns System.Text.Json's contract errors into precise answers. The serializer's messages name .NET types and stop
/// at the first problem; with the endpoint's body type the field's declared type is found from the JSON path, so an
/// integer field says "an integer" (the reader only says "a number"), an enum lists its values, an unknown field lists
/// the fields the object takes, and a missing field is named.
/// </summary>
public static partial class JsonContractErrors
{
    /// <summary>The deepest nesting a body may have (System.Text.Json's default, which the API keeps).</summary>
    public const int MaxDepth = 64;

    /// <summary>True when the reader stopped because the body nests deeper than <see cref="MaxDepth"/>.</summary>
    public static bool IsTooDeep(JsonException exception) =>
        (exception.Message + " " + exception.InnerException?.Message).Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase);

    /// <summary>Describes a contract mismatch in a body whose declared type is <paramref name="bodyType"/> (when known).</summary>
    public static ContractError Describe(JsonException exception, Type? bodyType)
    {
        var path = string.IsNullOrEmpty(exception.Path) ? "$" : exception.Path;
        var message = exception.Message;
        if (IsTooDeep(exception))
        {
            return new($"The body nests deeper than {MaxDepth} levels, the limit", path, new Dictionary<string, object?> { ["limit"] = MaxDepth });
        }
        if (MissingFields().Match(message) is { Success: true } missing)
        {
            var fields = missing.Groups[1].Value.Split(',').Select(f => f.Trim().Trim('\'')).ToList();
            var named = string.Join(", ", fields.Select(f => $"'{f}'"));
            return new($"Required field{(fields.Count > 1 ? "s" : string.Empty)} {named} missing", path, new Dictionary<string, object?> { ["missing"] = fields });
        }
        var field = FieldName(path);
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var allowed = Fields(ParentType(bodyType, path));
            var detail = allowed.Count > 0 ? $"Unknown field '{field}'; this object takes {string.Join(", ", allowed)}" : $"Unknown field '{field}'";
            return new(detail, path, allowed.Count > 0 ? new Dictionary<string, object?> { ["allowed"] = allowed } : new Dictionary<string, object?>());
        }
        if (message.Contains("null values", StringComparison.Ordinal) || (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("non-nullable", StringComparison.OrdinalIgnoreCase)))
        {
            return new($"'{field}' must have a value, not null", path, new Dictionary<string, object?>());
        }
        if (TypeAt(bodyType, path) is { IsEnum: true } enumType)
        {
            var values = EnumValues(enumType);
            return new($"'{field}' must be one of {string.Join(", ", values)}", path, new Dictionary<string, object?> { ["allowed"] = values });
        }
        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            var expected = TypeAt(bodyType, path) is { } declared ? Expected(declared) : JsonDefaults.Describe(exception).Replace("Wrong type: expected ", string.Empty, StringComparison.Ordinal);
            return new($"'{field}' has the wrong type: expected {expected}", path, new Dictionary<string, object?> { ["expected"] = expected });
        }
        return new(JsonDefaults.Describe(exception), path, new Dictionary<string, object?>());
    }

    /// <summary>The declared (non-nullable) type at a JSON path such as <c>$.tasks[3].priority</c>, or null.</summary>
    internal static Type? TypeAt(Type? root, string path)
    {
        var type = root;
        foreach (Match segment in Segment().Matches(path))
        {
            if (type is null)
            {
                return null;
            }
            type = segment.Groups["name"].Success ? Property(type, segment.Groups["name"].Value)?.PropertyType : ElementType(type);
            type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        }
        return type;
    }

    /// <summary>What a field of <paramref name="type"/> holds, in the words of JSON rather than .NET.</summary>
    internal static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "an integer",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(string) => "a string",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO 8601 time",
        _ when type == typeof(Guid) => "a UUID",
        _ when type == typeof(JsonElement) => "any JSON value",
        _ when ElementType(type) is not null => "an array",
        _ => "an object",
    };

    private static Type? ParentType(Type? root, string path) =>
        path.LastIndexOf('.') is var dot and > 0 ? TypeAt(root, path[..dot]) : root;

    private static IReadOnlyList<string> Fields(Type? type) =>
        type is null || type.IsPrimitive || type == typeof(string) ? []
        : type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToList();

    private static PropertyInfo? Property(Type type, string jsonName) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(p => string.Equals(p.Name, jsonName, StringComparison.OrdinalIgnoreCase));

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>An enum's wire names: its <see cref="JsonStringEnumMemberNameAttribute"/>s, else snake_case, as the API writes them.</summary>
    private static IReadOnlyList<string> EnumValues(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(f.Name))
            .ToList();

    private static string FieldName(string path) =>
        Segment().Matches(path).LastOrDefault(m => m.Groups["name"].Success)?.Groups["name"].Value ?? path;

    [GeneratedRegex(@"missing required properties including: (.+?)\.?$")]
    private static partial Regex MissingFields();

    [GeneratedRegex(@"\.(?<name>[A-Za-z0-9_$]+)|\['(?<name>[^']+)'\]|\[(?<index>\d+)\]")]
    private static partial Regex Segment();
}
