using Azure;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>A join code's lookup row, <c>~joincodes</c>/<c>{code}</c>: joining by code alone finds the swarm here.</summary>
/// <param name="Code">The code in stored form.</param>
/// <param name="SwarmId">The swarm it opens.</param>
/// <param name="TenantId">The swarm's tenant.</param>
public sealed record JoinCodeRow(string Code, string SwarmId, string TenantId);

/// <summary>A live swarm in the index the timers walk, <c>~swarms</c>/<c>{swarmId}</c>.</summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="TenantId">Its tenant.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record SwarmIndexRow(string SwarmId, string TenantId, DateTimeOffset CreatedAt);

/// <summary>A tenant's swarm counter, <c>~tenant|{tenantId}</c>/<c>meta|swarms</c>, checked against MaxSwarms.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Count">Swarms counted (created and not yet deleted).</param>
public sealed record TenantCounterRow(string TenantId, int Count)
{
    /// <summary>The version read, for If-Match.</summary>
    public ETag ETag { get; init; }
}

/// <summary>
/// One counted swarm of a tenant, <c>~tenant|{tenantId}</c>/<c>swarm|{swarmId}</c>: added and removed in the same
/// transaction as the counter, so releasing a slot twice cannot count down twice.
/// </summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="SwarmId">The swarm.</param>
/// <param name="CreatedAt">When the slot was taken.</param>
public sealed record TenantSwarmRow(string TenantId, string SwarmId, DateTimeOffset CreatedAt)
{
    /// <summary>The version read, for If-Match.</summary>
    public ETag ETag { get; init; }
}

/// <summary>
/// Table shapes of the global partitions. Their names start with <c>~</c> and swarm ids with <c>swarm_</c>, so they
/// never collide with a swarm's partition.
/// </summary>
public static class GlobalRows
{
    /// <summary>Partition of join codes: RowKey = code.</summary>
    public const string JoinCodePartition = "~joincodes";

    /// <summary>Partition listing every live swarm (for timers): RowKey = swarm id.</summary>
    public const string SwarmIndexPartition = "~swarms";

    /// <summary>RowKey of a tenant's swarm counter.</summary>
    public const string TenantCounterKey = "meta|swarms";

    private const string TenantKind = "~tenant";
    private const string TenantSwarmPrefix = "swarm|";

    /// <summary>A tenant's partition.</summary>
    public static string TenantPartition(string tenantId) => TableKeyCodec.Compose(TenantKind, tenantId);

    /// <summary>A tenant's row for one swarm.</summary>
    public static string TenantSwarmKey(string swarmId) => TenantSwarmPrefix + swarmId;

    /// <summary>A tenant's rows for its swarms, in swarm id order, after <paramref name="afterSwarmId"/> when given.</summary>
    public static string SwarmsOfTenant(string tenantId, string? afterSwarmId) =>
        TableFilter.RowKeyPrefix(TenantPartition(tenantId), TenantSwarmPrefix, afterSwarmId is null ? null : TenantSwarmKey(afterSwarmId));

    /// <summary>The join codes of a tenant's swarms.</summary>
    public static string JoinCodesOfTenant(string tenantId) => $"{TableFilter.Partition(JoinCodePartition)} and TenantId eq {TableFilter.Literal(tenantId)}";

    /// <summary>The index rows of a tenant's swarms.</summary>
    public static string IndexOfTenant(string tenantId) => $"{TableFilter.Partition(SwarmIndexPartition)} and TenantId eq {TableFilter.Literal(tenantId)}";

    /// <summary>Reads a join code row.</summary>
    public static JoinCodeRow FromJoinCode(TableEntity row) => new(row.RowKey, row.RequiredString("SwarmId"), row.RequiredString("TenantId"));

    /// <summary>Writes a join code row.</summary>
    public static TableEntity ToEntity(JoinCodeRow row) =>
        new(JoinCodePartition, row.Code) { ["SwarmId"] = row.SwarmId, ["TenantId"] = row.TenantId };

    /// <summary>Reads an index row.</summary>
    public static SwarmIndexRow FromIndex(TableEntity row) => new(row.RowKey, row.RequiredString("TenantId"), row.RequiredTime("CreatedAt"));

    /// <summary>Writes an index row.</summary>
    public static TableEntity ToEntity(SwarmIndexRow row) =>
        new(SwarmIndexPartition, row.SwarmId) { ["TenantId"] = row.TenantId, ["CreatedAt"] = row.CreatedAt };

    /// <summary>Reads a tenant's counter.</summary>
    public static TenantCounterRow FromTenantCounter(TableEntity row) => new(TenantOf(row), row.RequiredInt32("Count")) { ETag = row.ETag };

    /// <summary>Writes a tenant's counter.</summary>
    public static TableEntity ToEntity(TenantCounterRow row) => new(TenantPartition(row.TenantId), TenantCounterKey) { ["Count"] = row.Count };

    /// <summary>Reads a tenant's row for one swarm.</summary>
    public static TenantSwarmRow FromTenantSwarm(TableEntity row) =>
        new(TenantOf(row), row.RowKey[TenantSwarmPrefix.Length..], row.RequiredTime("CreatedAt")) { ETag = row.ETag };

    /// <summary>Writes a tenant's row for one swarm.</summary>
    public static TableEntity ToEntity(TenantSwarmRow row) =>
        new(TenantPartition(row.TenantId), TenantSwarmKey(row.SwarmId)) { ["CreatedAt"] = row.CreatedAt };

    private static string TenantOf(TableEntity row) => TableKeyCodec.Split(row.PartitionKey)[0];
}
