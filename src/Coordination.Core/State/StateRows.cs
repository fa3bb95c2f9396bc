using Azure;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.State;

/// <summary>
/// A state key, <c>state|{key}</c>. A delete keeps the row as a tombstone (<see cref="Deleted"/>, no value) so the
/// version never repeats for the key.
/// </summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="Key">The key as the client named it.</param>
/// <param name="Version">Increases on every write, deletes included.</param>
/// <param name="Value">The JSON value; null when deleted.</param>
/// <param name="Deleted">True for a tombstone.</param>
/// <param name="UpdatedAt">Time of the last write.</param>
/// <param name="UpdatedBy">Actor of the last write.</param>
public sealed record StateRow(string SwarmId, string Key, long Version, string? Value, bool Deleted, DateTimeOffset UpdatedAt, string UpdatedBy)
{
    /// <summary>The version read or written, for If-Match.</summary>
    public ETag ETag { get; init; }
}

/// <summary>Maps <see cref="StateRow"/> to and from table entities (never cross HTTP).</summary>
public static class StateRows
{
    /// <summary>The row of a key.</summary>
    public static string StateKey(string key) => TableKeyCodec.Compose("state", key);

    /// <summary>Reads a state row.</summary>
    public static StateRow From(TableEntity row) => new(
        row.PartitionKey, row.RequiredString("Key"), row.RequiredInt64("Version"), StoredJson.Read(row, "Value"), row.RequiredBoolean("Deleted"),
        row.RequiredTime("UpdatedAt"), row.RequiredString("UpdatedBy"))
    { ETag = row.ETag };

    /// <summary>Writes a state row (the whole row: writes replace it).</summary>
    public static TableEntity ToEntity(StateRow row)
    {
        var entity = new TableEntity(row.SwarmId, StateKey(row.Key))
        {
            ["Key"] = row.Key, ["Version"] = row.Version, ["UpdatedAt"] = row.UpdatedAt, ["UpdatedBy"] = row.UpdatedBy, ["Deleted"] = row.Deleted,
        };
        StoredJson.Write(entity, "Value", row.Value);
        return entity;
    }
}
