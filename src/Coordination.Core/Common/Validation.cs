using System.Text;
using System.Text.Json;
using Coordination.Core.Problems;

namespace Coordination.Core.Common;

/// <summary>Input checks that answer with a precise <c>validation_failed</c> (or <c>quota_exceeded</c>) problem.</summary>
public static class Validation
{
    /// <summary>Fails with a validation problem naming <paramref name="field"/>.</summary>
    public static ProblemException Invalid(string field, string message, IReadOnlyDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?> { ["field"] = field };
        foreach (var (k, v) in extra ?? new Dictionary<string, object?>())
        {
            extensions[k] = v;
        }
        return new ProblemException(ProblemCatalog.ValidationFailed, $"{field}: {message}", extensions);
    }

    /// <summary>A required text of bounded length without control characters.</summary>
    public static string RequiredText(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid(field, "is required and must not be blank.");
        }
        return OptionalText(value, field, maxLength)!;
    }

    /// <summary>An optional text of bounded length without control characters.</summary>
    public static string? OptionalText(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length > maxLength)
        {
            throw Invalid(field, $"is {value.Length} characters; the limit is {maxLength}.", new Dictionary<string, object?> { ["maxLength"] = maxLength });
        }
        if (value.Any(char.IsControl))
        {
            throw Invalid(field, "must not contain control characters.");
        }
        return value;
    }

    /// <summary>An identifier-like text: 1–128 characters, no control characters, not starting or ending with spaces.</summary>
    public static string Identifier(string? value, string field)
    {
        var text = RequiredText(value, field, 128);
        if (text.Trim().Length != text.Length)
        {
            throw Invalid(field, "must not start or end with spaces.");
        }
        return text;
    }

    /// <summary>A number within an inclusive range.</summary>
    public static int InRange(int value, string field, int min, int max) =>
        value >= min && value <= max ? value
        : throw Invalid(field, $"must be between {min} and {max}; got {value}.", new Dictionary<string, object?> { ["min"] = min, ["max"] = max });

    /// <summary>A list of short labels (capabilities, tags): at most <paramref name="maxItems"/> of ≤ 64 characters.</summary>
    public static IReadOnlyList<string> Labels(IReadOnlyList<string>? values, string field, int maxItems = 50)
    {
        if (values is null)
        {
            return [];
        }
        if (values.Count > maxItems)
        {
            throw Invalid(field, $"has {values.Count} items; the limit is {maxItems}.");
        }
        return values.Select((v, i) => Identifier(v, $"{field}[{i}]")).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Compact JSON text of a payload, refused with <c>quota_exceeded</c> when its UTF-8 size passes the tenant's limit.
    /// </summary>
    public static string? Payload(JsonElement? value, string field, int maxBytes)
    {
        if (value is not { } element || element.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }
        var text = JsonSerializer.Serialize(element);
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > maxBytes)
        {
            throw new ProblemException(ProblemCatalog.QuotaExceeded, $"{field} is {bytes} bytes; this tenant's limit is {maxBytes}.",
                new Dictionary<string, object?> { ["field"] = field, ["limit"] = maxBytes, ["actual"] = bytes });
        }
        return text;
    }
}
