using System.Security.Cryptography;
using System.Text;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Swarms;

/// <summary>Creating, reading, archiving and deleting swarms.</summary>
public sealed class SwarmService(
    TableStore table, EventLog events, SwarmDirectory directory, AgentTokens tokens, TimeProvider clock, ILogger<SwarmService> logger)
{
    /// <summary>Members when the request does not say.</summary>
    public const int DefaultMaxAgents = 20;

    /// <summary>Creates a swarm and its coordinator; refuses with <c>quota_exceeded</c> before writing anything.</summary>
    public async Task<CreateSwarmResponse> CreateAsync(Tenant tenant, CreateSwarmRequest request, CancellationToken cancellationToken)
    {
        var name = Validation.RequiredText(request.Name, "name", 100);
        var goal = Validation.OptionalText(request.Goal, "goal", 2000);
        var maxAgents = Validation.InRange(request.MaxAgents ?? Math.Min(DefaultMaxAgents, tenant.Limits.MaxAgentsPerSwarm), "maxAgents", 1, tenant.Limits.MaxAgentsPerSwarm);
        var coordinatorId = request.CoordinatorId is null ? "coordinator" : Validation.Identifier(request.CoordinatorId, "coordinatorId");
        var coordinatorName = Validation.OptionalText(request.CoordinatorName, "coordinatorName", 100);
        var swarmId = Ids.New("swarm");
        var now = clock.GetUtcNow();

        await ReserveTenantSlotAsync(tenant, swarmId, cancellationToken).ConfigureAwait(false);
        try
        {
            var joinCode = await ReserveJoinCodeAsync(tenant.Id, swarmId, cancellationToken).ConfigureAwait(false);
            var tokenId = Ids.RandomText(16);
            var swarmRow = new TableEntity(swarmId, SwarmRows.SwarmKey)
            {
                ["Name"] = name, ["Goal"] = goal, ["MaxAgents"] = maxAgents, ["TenantId"] = tenant.Id,
                ["JoinCode"] = joinCode, ["Status"] = SwarmRows.Status.Active, ["CreatedAt"] = now, ["CreatedBy"] = coordinatorId,
            };
            var actions = new List<TableTransactionAction>
            {
                TableActions.Add(swarmRow),
                TableActions.Add(new TableEntity(swarmId, SwarmRows.MembersKey) { ["Count"] = 1, ["Coordinators"] = 1 }),
                TableActions.Add(MemberRows.New(swarmId, coordinatorId, coordinatorName, Role.Coordinator, tokenId, [], now)),
                events.Append(swarmId, PendingEvent.Of("swarm.created", swarmId, new { name, goal, maxAgents }, coordinatorId)),
                events.Append(swarmId, PendingEvent.Of("agent.joined", coordinatorId, new { agentId = coordinatorId, role = "coordinator" }, coordinatorId)),
            };
            (await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false)).ThrowIfFailed("creating the swarm");
            await table.UpsertEntityAsync(new TableEntity(SwarmRows.SwarmIndexPartition, swarmId) { ["TenantId"] = tenant.Id, ["CreatedAt"] = now }, cancellationToken: cancellationToken).ConfigureAwait(false);
            events.Committed(swarmId);

            var (token, claims) = tokens.Issue(tenant.Id, swarmId, coordinatorId, Role.Coordinator, tokenId);
            var view = new SwarmView(swarmId, name, goal, maxAgents, SwarmRows.Status.Active, 1, now, coordinatorId, JoinCodes.Display(joinCode));
            return new CreateSwarmResponse(view, JoinCodes.Display(joinCode), new AgentCredentials(swarmId, coordinatorId, Role.Coordinator, token, claims.ExpiresAt));
        }
        catch
        {
            await ReleaseTenantSlotAsync(tenant.Id, swarmId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The swarm; the join code only for coordinators.</summary>
    public async Task<SwarmView> GetAsync(string swarmId, Caller caller, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: cancellationToken).ConfigureAwait(false) ?? throw NotFound(swarmId);
        var members = await table.GetEntityAsync(swarmId, SwarmRows.MembersKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return ToView(row, members?.GetInt32("Count") ?? 0, caller.HasRole(Role.Coordinator));
    }

    /// <summary>Makes the swarm read-only; idempotent.</summary>
    public async Task<SwarmView> ArchiveAsync(string swarmId, Caller caller, CancellationToken cancellationToken)
    {
        var changed = await OptimisticRetry.RunAsync<object>(async ct =>
        {
            var row = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: ct).ConfigureAwait(false) ?? throw NotFound(swarmId);
            if (row.GetString("Status") == SwarmRows.Status.Archived)
            {
                return false;
            }
            var update = new TableEntity(swarmId, SwarmRows.SwarmKey) { ["Status"] = SwarmRows.Status.Archived, ["ArchivedAt"] = clock.GetUtcNow() };
            var result = await table.SubmitTransactionAsync(
                [TableActions.Merge(update, row.ETag), events.Append(swarmId, PendingEvent.Of("swarm.archived", swarmId, new { by = caller.Actor }, caller.Actor))], ct).ConfigureAwait(false);
            return result.Succeeded ? true : null;
        }, "the swarm", cancellationToken).ConfigureAwait(false);
        directory.Invalidate(swarmId);
        if ((bool)changed)
        {
            events.Committed(swarmId);
        }
        return await GetAsync(swarmId, caller, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the swarm and every row of it (its event log included), its join code and index rows.</summary>
    public async Task DeleteAsync(string swarmId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: cancellationToken).ConfigureAwait(false) ?? throw NotFound(swarmId);
        var tenantId = row.GetString("TenantId")!;
        // Refuse new writes first (through the directory), then empty the partition.
        await table.UpdateEntityAsync(new TableEntity(swarmId, SwarmRows.SwarmKey) { ["Status"] = SwarmRows.Status.Archived }, Azure.ETag.All, cancellationToken: cancellationToken).ConfigureAwait(false);
        directory.InvalidateAll(swarmId);
        for (var pass = 0; pass < 1000; pass++)
        {
            var keys = new List<string>();
            await foreach (var key in table.QueryAsync(TableFilter.Partition(swarmId), ["PartitionKey", "RowKey"], 100, cancellationToken).ConfigureAwait(false))
            {
                keys.Add(key.RowKey);
                if (keys.Count == 100)
                {
                    break;
                }
            }
            if (keys.Count == 0)
            {
                break;
            }
            await table.SubmitTransactionAsync(keys.Select(k => TableActions.Delete(swarmId, k, Azure.ETag.All)).ToList(), cancellationToken).ConfigureAwait(false);
        }
        await table.DeleteEntityAsync(SwarmRows.JoinCodePartition, row.GetString("JoinCode")!, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
        await table.DeleteEntityAsync(SwarmRows.SwarmIndexPartition, swarmId, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
        await ReleaseTenantSlotAsync(tenantId, swarmId, cancellationToken).ConfigureAwait(false);
        directory.InvalidateAll(swarmId);
        logger.LogInformation("Deleted swarm {SwarmId}", swarmId);
    }

    internal static ProblemException NotFound(string swarmId) => new(ProblemCatalog.NotFound, $"No swarm '{swarmId}'.");

    private static SwarmView ToView(TableEntity row, int members, bool showJoinCode) => new(
        row.PartitionKey, row.GetString("Name")!, row.GetString("Goal"), row.GetInt32("MaxAgents") ?? 0, row.GetString("Status")!, members,
        row.GetDateTimeOffset("CreatedAt")!.Value, row.GetString("CreatedBy")!, showJoinCode ? JoinCodes.Display(row.GetString("JoinCode")!) : null);

    /// <summary>Counts the swarm against the tenant's MaxSwarms, atomically with the tenant's index row.</summary>
    private Task ReserveTenantSlotAsync(Tenant tenant, string swarmId, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync<object>(async ct =>
        {
            var partition = SwarmRows.TenantPartition(tenant.Id);
            var counter = await table.GetEntityAsync(partition, SwarmRows.TenantCounterKey, cancellationToken: ct).ConfigureAwait(false);
            var count = counter?.GetInt32("Count") ?? 0;
            if (count >= tenant.Limits.MaxSwarms)
            {
                throw new ProblemException(ProblemCatalog.QuotaExceeded, $"This tenant has {count} swarms; its limit is {tenant.Limits.MaxSwarms}. Delete one first.",
                    new Dictionary<string, object?> { ["limit"] = tenant.Limits.MaxSwarms });
            }
            var next = new TableEntity(partition, SwarmRows.TenantCounterKey) { ["Count"] = count + 1 };
            var result = await table.SubmitTransactionAsync(
            [
                counter is null ? TableActions.Add(next) : TableActions.Replace(next, counter.ETag),
                TableActions.Add(new TableEntity(partition, SwarmRows.TenantSwarmKey(swarmId)) { ["CreatedAt"] = clock.GetUtcNow() }),
            ], ct).ConfigureAwait(false);
            return result.Succeeded ? new object() : null;
        }, "the tenant's swarm count", cancellationToken);

    private async Task ReleaseTenantSlotAsync(string tenantId, string swarmId, CancellationToken cancellationToken)
    {
        try
        {
            await OptimisticRetry.RunAsync<object>(async ct =>
            {
                var partition = SwarmRows.TenantPartition(tenantId);
                var index = await table.GetEntityAsync(partition, SwarmRows.TenantSwarmKey(swarmId), cancellationToken: ct).ConfigureAwait(false);
                var counter = await table.GetEntityAsync(partition, SwarmRows.TenantCounterKey, cancellationToken: ct).ConfigureAwait(false);
                if (index is null || counter is null)
                {
                    return new object();
                }
                var next = new TableEntity(partition, SwarmRows.TenantCounterKey) { ["Count"] = Math.Max(0, (counter.GetInt32("Count") ?? 1) - 1) };
                var result = await table.SubmitTransactionAsync(
                    [TableActions.Replace(next, counter.ETag), TableActions.Delete(partition, index.RowKey, index.ETag)], ct).ConfigureAwait(false);
                return result.Succeeded ? new object() : null;
            }, "the tenant's swarm count", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not release tenant {TenantId}'s slot for swarm {SwarmId}", tenantId, swarmId);
        }
    }

    private async Task<string> ReserveJoinCodeAsync(string tenantId, string swarmId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var code = JoinCodes.Normalize(JoinCodes.New())!;
            var row = new TableEntity(SwarmRows.JoinCodePartition, code) { ["SwarmId"] = swarmId, ["TenantId"] = tenantId };
            if ((await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                return code;
            }
        }
        throw new InvalidOperationException("Could not find a free join code in 5 attempts.");
    }

    /// <summary>Constant-time comparison of join codes.</summary>
    internal static bool SameCode(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
