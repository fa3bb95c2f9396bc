using System.Collections.Frozen;
using Azure;
using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>Whether a swarm takes writes.</summary>
public enum SwarmStatus
{
    /// <summary>Open for reads and writes.</summary>
    Active,

    /// <summary>Read-only.</summary>
    Archived,
}

/// <summary>The swarm's own row, <c>meta|swarm</c>.</summary>
/// <param name="SwarmId">The swarm (its partition).</param>
/// <param name="TenantId">Owning tenant.</param>
/// <param name="Name">Name.</param>
/// <param name="Goal">Goal.</param>
/// <param name="MaxAgents">Member limit.</param>
/// <param name="JoinCode">The join code in stored form (<see cref="JoinCodes.Normalize"/>).</param>
/// <param name="Status">Active or archived.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="CreatedBy">The creating coordinator.</param>
/// <param name="ArchivedAt">When it was archived (absent when archived by a delete in progress).</param>
/// <param name="CoordinatorCode">
/// The code that also grants the coordinator role, in stored form (absent on swarms created before issue 12: there only
/// the tenant key can make a coordinator).
/// </param>
public sealed record SwarmRow(
    string SwarmId, string TenantId, string Name, string? Goal, int MaxAgents, string JoinCode, SwarmStatus Status,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ArchivedAt = null, string? CoordinatorCode = null)
{
    /// <summary>The version read, for If-Match.</summary>
    public ETag ETag { get; init; }
}

/// <summary>
/// The member counter, <c>meta|members</c>: written with If-Match in the same transaction as a join or a leave, so
/// maxAgents and "never the last coordinator" hold under concurrency.
/// </summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="Count">Members.</param>
/// <param name="Coordinators">Members with the coordinator role.</param>
public sealed record MemberCountRow(string SwarmId, int Count, int Coordinators)
{
    /// <summary>The version read, for If-Match.</summary>
    public ETag ETag { get; init; }
}

/// <summary>
/// Table shapes of swarms (never cross HTTP). In the swarm's partition: <c>meta|swarm</c> (<see cref="SwarmRow"/>),
/// <c>meta|members</c> (<see cref="MemberCountRow"/>) and <c>agent|{agentId}</c> (<see cref="MemberRow"/>, mapped by
/// <see cref="MemberRows"/>). The global partitions (join codes, the swarm index, tenant counters) are mapped by
/// <see cref="GlobalRows"/>.
/// </summary>
public static class SwarmRows
{
    /// <summary>RowKey of the swarm's own row.</summary>
    public const string SwarmKey = "meta|swarm";

    /// <summary>RowKey of the member counter.</summary>
    public const string MembersKey = "meta|members";

    /// <summary>Kind of member rows.</summary>
    public const string AgentKind = "agent";

    /// <summary>Prefix of all member rows.</summary>
    public const string AgentPrefix = AgentKind + "|";

    /// <summary>A member row's key.</summary>
    public static string AgentKey(string agentId) => TableKeyCodec.Compose(AgentKind, agentId);

    /// <summary>Only the keys: for walking a partition to delete it.</summary>
    public static IReadOnlyList<string> KeysOnly { get; } = ["PartitionKey", "RowKey"];

    /// <summary>What <see cref="ToInfo"/> reads: authorization needs only these.</summary>
    public static IReadOnlyList<string> InfoSelect { get; } = ["TenantId", "Status"];

    private static readonly FrozenDictionary<string, SwarmStatus> Statuses = Enum.GetValues<SwarmStatus>().ToFrozenDictionary(StatusText);

    /// <summary>The status as stored and shown.</summary>
    public static string StatusText(SwarmStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The role as stored and shown.</summary>
    public static string RoleText(Role role) => role.ToString().ToLowerInvariant();

    /// <summary>Reads <c>meta|swarm</c>.</summary>
    public static SwarmRow FromSwarm(TableEntity row) => new(
        row.PartitionKey, row.RequiredString("TenantId"), row.RequiredString("Name"), row.GetString("Goal"), row.RequiredInt32("MaxAgents"),
        row.RequiredString("JoinCode"), row.RequiredChoice("Status", Statuses), row.RequiredTime("CreatedAt"), row.RequiredString("CreatedBy"),
        row.GetDateTimeOffset("ArchivedAt"), row.GetString("CoordinatorCode"))
    { ETag = row.ETag };

    /// <summary>Reads the <see cref="InfoSelect"/> properties of <c>meta|swarm</c>.</summary>
    public static SwarmInfo ToInfo(TableEntity row) =>
        new(row.PartitionKey, row.RequiredString("TenantId"), row.RequiredChoice("Status", Statuses));

    /// <summary>Writes <c>meta|swarm</c>.</summary>
    public static TableEntity ToEntity(SwarmRow row)
    {
        var entity = new TableEntity(row.SwarmId, SwarmKey)
        {
            ["TenantId"] = row.TenantId, ["Name"] = row.Name, ["MaxAgents"] = row.MaxAgents, ["JoinCode"] = row.JoinCode,
            ["Status"] = StatusText(row.Status), ["CreatedAt"] = row.CreatedAt, ["CreatedBy"] = row.CreatedBy,
        };
        SetIfPresent(entity, "Goal", row.Goal);
        SetIfPresent(entity, "ArchivedAt", row.ArchivedAt);
        SetIfPresent(entity, "CoordinatorCode", row.CoordinatorCode);
        return entity;
    }

    /// <summary>
    /// The merge that archives the swarm. A delete archives without a time: it only has to refuse new writes
    /// while it empties the partition.
    /// </summary>
    public static TableEntity ArchivePatch(string swarmId, DateTimeOffset? archivedAt)
    {
        var patch = new TableEntity(swarmId, SwarmKey) { ["Status"] = StatusText(SwarmStatus.Archived) };
        SetIfPresent(patch, "ArchivedAt", archivedAt);
        return patch;
    }

    /// <summary>Reads <c>meta|members</c>.</summary>
    public static MemberCountRow FromMemberCount(TableEntity row) =>
        new(row.PartitionKey, row.RequiredInt32("Count"), row.RequiredInt32("Coordinators")) { ETag = row.ETag };

    /// <summary>Writes <c>meta|members</c>.</summary>
    public static TableEntity ToEntity(MemberCountRow row) =>
        new(row.SwarmId, MembersKey) { ["Count"] = row.Count, ["Coordinators"] = row.Coordinators };

    /// <summary>Sets an optional property; an absent value is not written (absent reads as null).</summary>
    internal static void SetIfPresent(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
