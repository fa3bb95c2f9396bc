using System.Globalization;

namespace Coordination.Storage.Tables;

/// <summary>Builds OData <c>$filter</c> expressions with correctly quoted literals.</summary>
public static class TableFilter
{
    /// <summary>A string literal: single quotes doubled.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>An Int64 literal.</summary>
    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    /// <summary>A DateTime literal.</summary>
    public static string Literal(DateTimeOffset value) =>
        "datetime'" + value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "'";

    /// <summary>All rows of one partition.</summary>
    public static string Partition(string partitionKey) => $"PartitionKey eq {Literal(partitionKey)}";

    /// <summary>
    /// Rows of one partition whose RowKey starts with <paramref name="rowKeyPrefix"/>: a range scan
    /// <c>RowKey ge prefix and RowKey lt prefix'</c>, where prefix' is the prefix with its last char incremented.
    /// </summary>
    public static string RowKeyPrefix(string partitionKey, string rowKeyPrefix) => RowKeyPrefix(partitionKey, rowKeyPrefix, afterRowKey: null);

    /// <summary>
    /// The rows of <see cref="RowKeyPrefix(string, string)"/> that come after <paramref name="afterRowKey"/> (the last key
    /// of a page, so the next page starts after it); from the prefix's start when null.
    /// </summary>
    public static string RowKeyPrefix(string partitionKey, string rowKeyPrefix, string? afterRowKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(rowKeyPrefix);
        var upper = rowKeyPrefix[..^1] + (char)(rowKeyPrefix[^1] + 1);
        var lower = afterRowKey is null ? $"RowKey ge {Literal(rowKeyPrefix)}" : $"RowKey gt {Literal(afterRowKey)}";
        return $"{Partition(partitionKey)} and {lower} and RowKey lt {Literal(upper)}";
    }
}
