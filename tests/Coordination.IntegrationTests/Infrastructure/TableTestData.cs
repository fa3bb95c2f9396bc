using Azure;
using Azure.Data.Tables;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>What the storage contract tests share: building entities, reading a query whole, and an entity's own properties.</summary>
public static class TableTestData
{
    /// <summary>What the service adds to every entity it returns; the SDK's entity lists them beside the properties.</summary>
    private static readonly HashSet<string> ServiceNames = ["PartitionKey", "RowKey", "Timestamp", "odata.etag"];

    /// <summary>An entity with these properties (a null value is kept: the store is what drops it).</summary>
    public static TableEntity Entity(string partitionKey, string rowKey, params (string Name, object? Value)[] properties)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        foreach (var (name, value) in properties)
        {
            entity[name] = value;
        }
        return entity;
    }

    /// <summary>Every entity the query yields, across all its pages.</summary>
    public static async Task<List<TableEntity>> ToListAsync(this AsyncPageable<TableEntity> query)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in query)
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The row keys <paramref name="filter"/> matches, in the service's order.</summary>
    public static async Task<List<string>> RowKeysAsync(this TableStore table, string filter) =>
        (await table.QueryAsync(filter).ToListAsync()).Select(r => r.RowKey).ToList();

    /// <summary>The names of the properties a writer stored, sorted: without the keys and what the service adds.</summary>
    public static string[] PropertyNames(this TableEntity entity) =>
        entity.Keys.Where(name => !ServiceNames.Contains(name)).Order(StringComparer.Ordinal).ToArray();
}
