using Coordination.Core.Identity;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>
/// Table shapes of swarms and members (never cross HTTP). In the swarm's partition: <c>meta|swarm</c>,
/// <c>meta|members</c> (member count, updated with If-Match in the same transaction as a join or leave,
/// so maxAgents holds under concurrency) and <c>agent|{agentId}</c>. Global partitions start with <c>~</c>
/// (swarm ids start with <c>swarm_</c>, so they never collide): join codes, per-tenant swarm counters,
/// and the index of swarms the timers walk.
/// </summary>
public static class SwarmRows
{
    /// <summary>RowKey of the swarm's own row.</summary>
    public const string SwarmKey = "meta|swarm";

    /// <summary>RowKey of the member counter.</summary>
    public const string MembersKey = "meta|members";

    /// <summary>Kind of member rows.</summary>
    public const string AgentKind = "agent";

    /// <summary>Partition of join codes: RowKey = code.</summary>
    public const string JoinCodePartition = "~joincodes";

    /// <summary>Partition listing every live swarm (for timers): RowKey = swarm id.</summary>
    public const string SwarmIndexPartition = "~swarms";

    /// <summary>RowKey of a tenant's swarm counter.</summary>
    public const string TenantCounterKey = "meta|swarms";

    /// <summary>A member row's key.</summary>
    public static string AgentKey(string agentId) => TableKeyCodec.Compose(AgentKind, agentId);

    /// <summary>Prefix of all member rows.</summary>
    public const string AgentPrefix = AgentKind + "|";

    /// <summary>A tenant's partition.</summary>
    public static string TenantPartition(string tenantId) => TableKeyCodec.Compose("~tenant", tenantId);

    /// <summary>A tenant's index row for one swarm.</summary>
    public static string TenantSwarmKey(string swarmId) => "swarm|" + swarmId;

    /// <summary>Swarm status values.</summary>
    public static class Status
    {
        /// <summary>Open for reads and writes.</summary>
        public const string Active = "active";

        /// <summary>Read-only.</summary>
        public const string Archived = "archived";
    }

    /// <summary>The role as stored.</summary>
    public static string RoleText(Role role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses a stored role.</summary>
    public static Role ParseRole(string? text) => Enum.TryParse<Role>(text, ignoreCase: true, out var role) ? role : Role.Observer;
}
