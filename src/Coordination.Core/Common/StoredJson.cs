using System.Globalization;
using System.Text.Json;
using Coordination.Storage.Tables;

namespace Coordination.Core.Common;

/// <summary>
/// Stores a JSON text in an entity, split across numbered string properties (<c>Data</c>, <c>Data_1</c>, …)
/// because one string property holds at most 64 KiB (32K UTF-16 characters).
/// </summary>
public static class StoredJson
{
    /// <summary>Characters per property: 64 KiB of UTF-16.</summary>
    public const int CharsPerProperty = 32 * 1024;

    /// <summary>Writes <paramref name="json"/> under <paramref name="name"/> (null writes nothing).</summary>
    public static void Write(TableEntity entity, string name, string? json) => Write(entity, name, json, forMerge: false);

    /// <summary>
    /// Writes <paramref name="json"/> into an entity that will be merged over a stored one (null writes nothing). The part
    /// count is written even when it is 1: a merge keeps the properties it does not name, so a longer stored value's
    /// count would stay in force and the read would append its old parts.
    /// </summary>
    public static void WriteForMerge(TableEntity entity, string name, string? json) => Write(entity, name, json, forMerge: true);

    private static void Write(TableEntity entity, string name, string? json, bool forMerge)
    {
        if (json is null)
        {
            return;
        }
        var parts = Math.Max(1, (json.Length + CharsPerProperty - 1) / CharsPerProperty);
        for (var i = 0; i < parts; i++)
        {
            var start = i * CharsPerProperty;
            entity[PartName(name, i)] = json.Substring(start, Math.Min(CharsPerProperty, json.Length - start));
        }
        if (parts > 1 || forMerge)
        {
            entity[name + "_parts"] = parts;
        }
    }

    /// <summary>Reads the JSON text back, or null when absent.</summary>
    public static string? Read(TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        if (first is null)
        {
            return null;
        }
        var parts = entity.GetInt32(name + "_parts") ?? 1;
        if (parts == 1)
        {
            return first;
        }
        return string.Concat(Enumerable.Range(0, parts).Select(i => entity.GetString(PartName(name, i))));
    }

    /// <summary>Parses stored JSON into an element, or null.</summary>
    public static JsonElement? ReadElement(TableEntity entity, string name) =>
        Read(entity, name) is { } text ? JsonDocument.Parse(text).RootElement.Clone() : null;

    private static string PartName(string name, int index) =>
        index == 0 ? name : name + "_" + index.ToString(CultureInfo.InvariantCulture);
}
