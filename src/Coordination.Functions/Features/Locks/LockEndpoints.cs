using Coordination.Core.Identity;
using Coordination.Core.Locks;
using Coordination.Core.Swarms;
using Coordination.Functions.Hosting.Triggers;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Locks;

/// <summary>Lock routes: acquire (optionally waiting), list, renew, release.</summary>
public static class LockEndpoints
{
    /// <summary>Maps the lock routes.</summary>
    public static IEndpointRouteBuilder MapLockEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}/locks").WithTags("locks");
        group.MapPost("/", AcquireAsync).WithName("AcquireLock").Requires(Access.Writer)
            .WithSummary("Acquires a resource lock with a TTL and a fencing token; with wait=true, waits up to waitTimeout. acquired=false names the holder.");
        group.MapGet("/", ListAsync).WithName("ListLocks").Requires(Access.Member)
            .WithSummary("Lists held locks, or the lock on one resource (?resource=).");
        group.MapPost("/{claimId}/renew", RenewAsync).WithName("RenewLock").Requires(Access.Writer)
            .WithSummary("Extends a held lock (holder only).");
        group.MapDelete("/{claimId}", ReleaseAsync).WithName("ReleaseLock").Requires(Access.Writer)
            .WithSummary("Releases a lock (holder; a coordinator may force=true).");
        return app;
    }

    private static async Task<Ok<LockResult>> AcquireAsync(string id, AcquireLockRequest request, HttpContext context, LockService locks, CancellationToken ct) =>
        TypedResults.Ok(await locks.AcquireAsync(id, context.Caller(), request, ct));

    private static async Task<Ok<LockList>> ListAsync(string id, string? resource, LockService locks, CancellationToken ct) =>
        TypedResults.Ok(await locks.ListAsync(id, resource, ct));

    private static async Task<Ok<LockResult>> RenewAsync(string id, string claimId, RenewLockRequest? request, HttpContext context, LockService locks, CancellationToken ct) =>
        TypedResults.Ok(await locks.RenewAsync(id, context.Caller(), claimId, request ?? new RenewLockRequest(), ct));

    private static async Task<NoContent> ReleaseAsync(string id, string claimId, bool? force, HttpContext context, LockService locks, CancellationToken ct)
    {
        await locks.ReleaseAsync(id, context.Caller(), claimId, force ?? false, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Gives back a departing member's locks.</summary>
public sealed class LockDepartureHandler(LockService locks) : IMemberDepartureHandler
{
    /// <inheritdoc />
    public Task ReleaseAsync(string swarmId, string agentId, Caller by, CancellationToken cancellationToken) =>
        locks.ReleaseAllHeldByAsync(swarmId, agentId, by.Actor, cancellationToken);
}

/// <summary>
/// Timer: frees expired leases — locks now, task leases as they land — with their events. Bounded work per
/// run; expiry is therefore never later than expiresAt + the schedule period (while under the bound).
/// </summary>
public sealed class SweepLeasesTrigger(SwarmDirectory directory, LockService locks, Core.Tasks.TaskLeases tasks) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "SweepLeases";

    /// <summary>Every 15 seconds.</summary>
    public const string Schedule = "*/15 * * * * *";

    /// <summary>Swarms visited per run.</summary>
    public const int MaxSwarmsPerRun = 500;

    /// <summary>Locks freed per swarm per run.</summary>
    public const int MaxLocksPerSwarm = 200;

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var swarms = 0;
        var freed = 0;
        var expired = 0;
        await foreach (var swarmId in directory.ListSwarmIdsAsync(MaxSwarmsPerRun, cancellationToken))
        {
            swarms++;
            freed += await locks.SweepExpiredAsync(swarmId, MaxLocksPerSwarm, cancellationToken);
            expired += await tasks.ExpireAsync(swarmId, MaxLocksPerSwarm, cancellationToken);
        }
        return [$"sweep-leases: {swarms} swarms, {freed} expired locks freed, {expired} expired task leases ended"];
    }
}
