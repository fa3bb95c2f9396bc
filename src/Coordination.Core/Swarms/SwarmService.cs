using System.Security.Cryptography;
using System.Text;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Swarms;

/// <summary>Creating, reading, archiving and deleting swarms.</summary>
public sealed class SwarmService(
    TableStore table, EventLog events, SwarmDirectory directory, AgentTokens tokens, TimeProvider clock, ILogger<SwarmService> logger)
{
    /// <summary>Members when the request does not say.</summary>
    public const int DefaultMaxAgents = 20;

    /// <summary>Draws of a join code before giving up (40 bits each: a second draw is already rare).</summary>
    public const int JoinCodeAttempts = 5;

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
        SwarmRow swarm;
        var tokenId = Ids.RandomText(16);
        try
        {
            var joinCode = await ReserveJoinCodeAsync(tenant.Id, swarmId, cancellationToken).ConfigureAwait(false);
            var coordinatorCode = await ReserveJoinCodeAsync(tenant.Id, swarmId, cancellationToken).ConfigureAwait(false);
            swarm = new SwarmRow(swarmId, tenant.Id, name, goal, maxAgents, joinCode, SwarmStatus.Active, now, coordinatorId, CoordinatorCode: coordinatorCode);
            await CommitCreatedAsync(swarm, coordinatorName, tokenId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Until the swarm's rows commit the slot counts nothing; after, it counts a swarm that exists.
            await ReleaseTenantSlotAsync(tenant.Id, swarmId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        // An upsert has no expected failure: the row is written whatever is there.
        await table.UpsertEntityAsync(GlobalRows.ToEntity(new SwarmIndexRow(swarmId, tenant.Id, now)), cancellationToken: cancellationToken).ConfigureAwait(false);
        events.Committed(swarmId);

        var (token, claims) = tokens.Issue(tenant.Id, swarmId, coordinatorId, Role.Coordinator, tokenId);
        return new CreateSwarmResponse(swarmId, JoinCodes.Display(swarm.JoinCode), JoinCodes.Display(swarm.CoordinatorCode!), coordinatorId, Role.Coordinator, token,
            claims.ExpiresAt, ToView(swarm, 1, showCodes: true));
    }

    /// <summary>The swarm; its codes only for coordinators and the owning tenant (access control has checked the tenant owns it).</summary>
    public async Task<SwarmView> GetAsync(string swarmId, Caller caller, CancellationToken cancellationToken) =>
        await FindViewAsync(swarmId, caller.IsTenant || caller.HasRole(Role.Coordinator), cancellationToken).ConfigureAwait(false) ?? throw NotFound(swarmId);

    /// <summary>
    /// The swarm as the API shows it, with its member count (the two rows read together); null when it does not exist,
    /// or belongs to another tenant than <paramref name="tenantId"/> when one is given.
    /// </summary>
    internal async Task<SwarmView?> FindViewAsync(string swarmId, bool showCodes, CancellationToken cancellationToken, string? tenantId = null)
    {
        var swarm = ReadAsync(swarmId, cancellationToken);
        var counts = table.GetEntityAsync(swarmId, SwarmRows.MembersKey, cancellationToken: cancellationToken);
        var (row, count) = (await swarm.ConfigureAwait(false), await counts.ConfigureAwait(false));
        return row is not null && (tenantId is null || row.TenantId == tenantId)
            ? ToView(row, count is null ? 0 : SwarmRows.FromMemberCount(count).Count, showCodes)
            : null;
    }

    /// <summary>Makes the swarm read-only; idempotent.</summary>
    public async Task<SwarmView> ArchiveAsync(string swarmId, Caller caller, CancellationToken cancellationToken)
    {
        var changed = await OptimisticRetry.RunAsync<object>(async ct =>
        {
            var swarm = await ReadAsync(swarmId, ct).ConfigureAwait(false) ?? throw NotFound(swarmId);
            if (swarm.Status == SwarmStatus.Archived)
            {
                return false;
            }
            var result = await table.SubmitTransactionAsync(
            [
                TableActions.Merge(SwarmRows.ArchivePatch(swarmId, clock.GetUtcNow()), swarm.ETag),
                events.Append(swarmId, PendingEvent.Of("swarm.archived", swarmId, new { by = caller.Actor }, caller.Actor)),
            ], ct).ConfigureAwait(false);
            // 412: the row changed since the read; 404: deleted meanwhile. The retry re-reads and decides (or answers not_found).
            return result.Succeeded ? true : null;
        }, "the swarm", cancellationToken).ConfigureAwait(false);
        directory.Invalidate(swarmId);
        if ((bool)changed)
        {
            events.Committed(swarmId);
        }
        return await GetAsync(swarmId, caller, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the swarm and every row of it (its event log included), its join and coordinator codes and index rows.</summary>
    public async Task DeleteAsync(string swarmId, CancellationToken cancellationToken)
    {
        var swarm = await ReadAsync(swarmId, cancellationToken).ConfigureAwait(false) ?? throw NotFound(swarmId);
        // Refuse new writes first (through the directory), then empty the partition. NotFound here means a concurrent
        // delete got there first; emptying what is left is still right.
        await table.UpdateEntityAsync(SwarmRows.ArchivePatch(swarmId, archivedAt: null), Azure.ETag.All, cancellationToken: cancellationToken).ConfigureAwait(false);
        directory.InvalidateAll(swarmId);
        await EmptyPartitionAsync(swarmId, cancellationToken).ConfigureAwait(false);
        // Unconditional deletes fail only with NotFound: already gone.
        await table.DeleteEntityAsync(GlobalRows.JoinCodePartition, swarm.JoinCode, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
        if (swarm.CoordinatorCode is { } coordinatorCode)
        {
            await table.DeleteEntityAsync(GlobalRows.JoinCodePartition, coordinatorCode, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
        }
        await table.DeleteEntityAsync(GlobalRows.SwarmIndexPartition, swarmId, Azure.ETag.All, cancellationToken).ConfigureAwait(false);
        await ReleaseTenantSlotAsync(swarm.TenantId, swarmId, cancellationToken).ConfigureAwait(false);
        directory.InvalidateAll(swarmId);
        logger.LogInformation("Deleted swarm {SwarmId}", swarmId);
    }

    internal static ProblemException NotFound(string swarmId) => new(ProblemCatalog.NotFound, $"No swarm '{swarmId}'.");

    /// <summary>Constant-time comparison of join codes.</summary>
    internal static bool SameCode(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    internal async Task<SwarmRow?> ReadAsync(string swarmId, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, cancellationToken: cancellationToken).ConfigureAwait(false) is { } row
            ? SwarmRows.FromSwarm(row)
            : null;

    private static SwarmView ToView(SwarmRow swarm, int members, bool showCodes) => new(
        swarm.SwarmId, swarm.Name, swarm.Goal, swarm.MaxAgents, SwarmRows.StatusText(swarm.Status), members, swarm.CreatedAt, swarm.CreatedBy,
        showCodes ? JoinCodes.Display(swarm.JoinCode) : null,
        showCodes && swarm.CoordinatorCode is { } coordinatorCode ? JoinCodes.Display(coordinatorCode) : null);

    /// <summary>The swarm's rows, its coordinator and both events, in one transaction.</summary>
    private async Task CommitCreatedAsync(SwarmRow swarm, string? coordinatorName, string tokenId, CancellationToken cancellationToken)
    {
        var (swarmId, by) = (swarm.SwarmId, swarm.CreatedBy);
        var coordinator = MemberRows.New(swarmId, by, coordinatorName, Role.Coordinator, tokenId, [], swarm.CreatedAt);
        var result = await table.SubmitTransactionAsync(
        [
            TableActions.Add(SwarmRows.ToEntity(swarm)),
            TableActions.Add(SwarmRows.ToEntity(new MemberCountRow(swarmId, 1, 1))),
            TableActions.Add(MemberRows.ToEntity(coordinator)),
            events.Append(swarmId, PendingEvent.Of("swarm.created", swarmId, new { name = swarm.Name, goal = swarm.Goal, maxAgents = swarm.MaxAgents }, by)),
            events.Append(swarmId, PendingEvent.Of("agent.joined", by, new { agentId = by, role = "coordinator" }, by)),
        ], cancellationToken).ConfigureAwait(false);
        // Only adds, into the partition of an id drawn a moment ago from 100 random bits: no other writer can be there,
        // so a failure (AlreadyExists) means the id was taken after all. Nothing was applied; a new request draws a new id.
        if (!result.Succeeded)
        {
            throw new ProblemException(ProblemCatalog.AlreadyExists, $"The id drawn for the new swarm, '{swarmId}', is taken; nothing was created. Retry the request.");
        }
    }

    /// <summary>
    /// Takes a free join code. A draw that meets an existing code ("already exists") draws again; after
    /// <see cref="JoinCodeAttempts"/> such draws the request answers <c>contention</c>, the answer for bounded
    /// retries used up (the swarm is not created; a new request draws again).
    /// </summary>
    private async Task<string> ReserveJoinCodeAsync(string tenantId, string swarmId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < JoinCodeAttempts; attempt++)
        {
            var code = JoinCodes.Normalize(JoinCodes.New())!;
            if ((await table.AddEntityAsync(GlobalRows.ToEntity(new JoinCodeRow(code, swarmId, tenantId)), cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                return code;
            }
        }
        throw new ProblemException(ProblemCatalog.Contention, $"No free join code in {JoinCodeAttempts} draws; retry the request.",
            new Dictionary<string, object?> { ["attempts"] = JoinCodeAttempts });
    }

    /// <summary>Empties the swarm's partition, 100 rows per transaction, for at most 1000 passes.</summary>
    private async Task EmptyPartitionAsync(string swarmId, CancellationToken cancellationToken)
    {
        for (var pass = 0; pass < 1000; pass++)
        {
            var keys = new List<string>();
            await foreach (var key in table.QueryAsync(TableFilter.Partition(swarmId), SwarmRows.KeysOnly, 100, cancellationToken).ConfigureAwait(false))
            {
                keys.Add(key.RowKey);
                if (keys.Count == 100)
                {
                    break;
                }
            }
            if (keys.Count == 0)
            {
                return;
            }
            // Unconditional deletes fail only when a concurrent delete took a row first (NotFound): nothing was applied,
            // and the next pass reads what is left.
            await table.SubmitTransactionAsync(keys.Select(k => TableActions.Delete(swarmId, k, Azure.ETag.All)).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the swarm against the tenant's MaxSwarms, atomically with the tenant's row for it.</summary>
    private Task ReserveTenantSlotAsync(Tenant tenant, string swarmId, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync<object>(async ct =>
        {
            var counter = await ReadTenantCounterAsync(tenant.Id, ct).ConfigureAwait(false);
            var count = counter?.Count ?? 0;
            if (count >= tenant.Limits.MaxSwarms)
            {
                throw new ProblemException(ProblemCatalog.QuotaExceeded, $"This tenant has {count} swarms; its limit is {tenant.Limits.MaxSwarms}. Delete one first.",
                    new Dictionary<string, object?> { ["limit"] = tenant.Limits.MaxSwarms });
            }
            var next = GlobalRows.ToEntity(new TenantCounterRow(tenant.Id, count + 1));
            var result = await table.SubmitTransactionAsync(
            [
                counter is null ? TableActions.Add(next) : TableActions.Replace(next, counter.ETag),
                TableActions.Add(GlobalRows.ToEntity(new TenantSwarmRow(tenant.Id, swarmId, clock.GetUtcNow()))),
            ], ct).ConfigureAwait(false);
            // The counter meets AlreadyExists (the tenant's first swarms racing) or 412 (another create or delete came
            // first): decide again on the fresh count. The swarm's own row cannot exist yet: its id is new.
            return result.Succeeded ? new object() : null;
        }, "the tenant's swarm count", cancellationToken);

    /// <summary>
    /// Gives the slot back: the counter drops and the tenant's row for the swarm goes in one transaction, so a
    /// second release finds no row and changes nothing. Never throws (a failed create must keep its own error).
    /// </summary>
    private async Task ReleaseTenantSlotAsync(string tenantId, string swarmId, CancellationToken cancellationToken)
    {
        try
        {
            await OptimisticRetry.RunAsync<object>(async ct =>
            {
                var partition = GlobalRows.TenantPartition(tenantId);
                var held = await table.GetEntityAsync(partition, GlobalRows.TenantSwarmKey(swarmId), cancellationToken: ct).ConfigureAwait(false) is { } row
                    ? GlobalRows.FromTenantSwarm(row)
                    : null;
                var counter = await ReadTenantCounterAsync(tenantId, ct).ConfigureAwait(false);
                if (held is null || counter is null)
                {
                    return new object();
                }
                var next = counter with { Count = Math.Max(0, counter.Count - 1) };
                var result = await table.SubmitTransactionAsync(
                    [TableActions.Replace(GlobalRows.ToEntity(next), counter.ETag), TableActions.Delete(partition, GlobalRows.TenantSwarmKey(held.SwarmId), held.ETag)], ct).ConfigureAwait(false);
                // 412/404 on either row: another create or release came first; decide again.
                return result.Succeeded ? new object() : null;
            }, "the tenant's swarm count", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not release tenant {TenantId}'s slot for swarm {SwarmId}", tenantId, swarmId);
        }
    }

    private async Task<TenantCounterRow?> ReadTenantCounterAsync(string tenantId, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(GlobalRows.TenantPartition(tenantId), GlobalRows.TenantCounterKey, cancellationToken: cancellationToken).ConfigureAwait(false) is { } row
            ? GlobalRows.FromTenantCounter(row)
            : null;
}
