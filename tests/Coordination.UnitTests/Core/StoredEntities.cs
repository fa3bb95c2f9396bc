using Azure;
using Azure.Data.Tables;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Core;

/// <summary>Entities as the row mappers meet them in storage.</summary>
internal static class StoredEntities
{
    /// <summary>The ETag a read returns.</summary>
    public static readonly ETag ReadETag = new("W/\"datetime'2026-11-25T10%3A00%3A00.0000000Z'\"");

    /// <summary>A time as storage keeps it (UTC).</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The entity as a read would return it: with an ETag.</summary>
    public static TableEntity AsRead(TableEntity entity)
    {
        entity.ETag = ReadETag;
        return entity;
    }

    /// <summary>An entity with exactly these properties.</summary>
    public static TableEntity Entity(string partitionKey, string rowKey, params (string Name, object Value)[] properties)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        foreach (var (name, value) in properties)
        {
            entity[name] = value;
        }
        return entity;
    }

    /// <summary>The entity with one property replaced.</summary>
    public static TableEntity With(this TableEntity entity, string name, object value)
    {
        entity[name] = value;
        return entity;
    }

    /// <summary>A copy of the entity without one property (what a row missing it looks like).</summary>
    public static TableEntity Without(this TableEntity entity, string missing, params string[] names)
    {
        var copy = new TableEntity(entity.PartitionKey, entity.RowKey);
        foreach (var name in names.Where(n => n != missing && entity[n] is not null))
        {
            copy[name] = entity[name];
        }
        return copy;
    }
}
