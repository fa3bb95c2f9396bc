using Coordination.Storage.Tables;

namespace Coordination.Core.Common;

/// <summary>
/// Reads of stored properties for the row mappers (<c>*Rows.cs</c>), the only code that names properties. A required
/// property that is missing, or a value this version does not know, fails loudly with <see cref="StoredRowException"/>
/// instead of turning into a default: a row we cannot read is a bug or damage, never a state.
/// </summary>
public static class StoredRow
{
    /// <summary>A string that must be present.</summary>
    public static string RequiredString(this TableEntity row, string name) => row.GetString(name) ?? throw Missing(row, name);

    /// <summary>An Int32 that must be present.</summary>
    public static int RequiredInt32(this TableEntity row, string name) => row.GetInt32(name) ?? throw Missing(row, name);

    /// <summary>An Int64 that must be present.</summary>
    public static long RequiredInt64(this TableEntity row, string name) => row.GetInt64(name) ?? throw Missing(row, name);

    /// <summary>A boolean that must be present.</summary>
    public static bool RequiredBoolean(this TableEntity row, string name) => row.GetBoolean(name) ?? throw Missing(row, name);

    /// <summary>A time that must be present.</summary>
    public static DateTimeOffset RequiredTime(this TableEntity row, string name) => row.GetDateTimeOffset(name) ?? throw Missing(row, name);

    /// <summary>A string that must be one of <paramref name="known"/>'s keys; its value.</summary>
    public static T RequiredChoice<T>(this TableEntity row, string name, IReadOnlyDictionary<string, T> known)
    {
        var text = row.RequiredString(name);
        return known.TryGetValue(text, out var value) ? value : throw Unknown(row, name, text);
    }

    /// <summary>The failure for a property whose stored value this version does not know.</summary>
    public static StoredRowException Unknown(TableEntity row, string name, object? value) =>
        new($"Row '{row.PartitionKey}/{row.RowKey}' has {name} = '{value}', a value this version does not know.");

    private static StoredRowException Missing(TableEntity row, string name) =>
        new($"Row '{row.PartitionKey}/{row.RowKey}' has no {name}, which every such row carries.");
}

/// <summary>A stored row cannot be read: a required property is missing or holds a value this version does not know.</summary>
public sealed class StoredRowException(string message) : Exception(message);
