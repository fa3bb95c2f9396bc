using System.Text.Json;

namespace Coordination.Cli.Infrastructure;

/// <summary>JSON arguments (payload, result, state value, metadata): JSON text, <c>@file</c>, or <c>@-</c> for stdin.</summary>
internal static class JsonInput
{
    public static JsonElement? ParseOptional(string? text, string what) => text is null ? null : Parse(text, what);

    public static JsonElement Parse(string text, string what)
    {
        var json = ReadText(text, what);
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw CliFailure.Usage($"{what} is not valid JSON ({ex.Message}); quote strings, e.g. '\"text\"', or pass @file");
        }
    }

    /// <summary>The text itself, or the contents of <c>@file</c> / stdin for <c>@-</c>.</summary>
    public static string ReadText(string text, string what)
    {
        if (!text.StartsWith('@'))
        {
            return text;
        }
        var path = text[1..];
        if (path == "-")
        {
            return Console.In.ReadToEnd();
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw CliFailure.Usage($"cannot read {what} from {path}: {ex.Message}");
        }
    }

    /// <summary>A priority as the API takes it: a number 0–9, or a name (low, normal, high, critical).</summary>
    public static JsonElement? Priority(string? text) => text switch
    {
        null => null,
        _ when int.TryParse(text, out var number) => JsonSerializer.SerializeToElement(number),
        _ => JsonSerializer.SerializeToElement(text),
    };

    /// <summary>Repeated or comma-separated values, as one list (null when none were given).</summary>
    public static IReadOnlyList<string>? List(string[]? values)
    {
        var items = (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        return items.Count == 0 ? null : items;
    }
}
