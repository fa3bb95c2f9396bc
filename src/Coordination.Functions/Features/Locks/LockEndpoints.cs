using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Locks;
using Coordination.Core.Swarms;
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
        group.MapPost("", AcquireAsync).WithName("AcquireLock").Requires(Access.Writer).ProducesProblems(ProblemCatalog.QuotaExceeded)
            .WithSummary("Acquires a resource lock with a TTL and a fencing token; with wait=true, waits up to waitTimeout. acquired=false names the holder.");
        group.MapGet("", ListAsync).WithName("ListLocks").Requires(Access.Member)
            .WithSummary("Lists held locks, or the lock on one resource (?resource=).");
        group.MapPost("/{claimId}/renew", RenewAsync).WithName("RenewLock").Requires(Access.Writer).ProducesProblems(ProblemCatalog.NotHolder, ProblemCatalog.LeaseLost)
            .WithSummary("Extends a held lock (holder only).");
        group.MapDelete("/{claimId}", ReleaseAsync).WithName("ReleaseLock").Requires(Access.Writer).ProducesProblems(ProblemCatalog.NotHolder, ProblemCatalog.LeaseLost)
            .WithSummary("Releases a lock (holder; a coordinator may force=true).");
        return app;
    }

    private static async Task<Ok<LockResult>> AcquireAsync(string id, AcquireLockRequest request, HttpContext context, LockCommands locks, CancellationToken ct) =>
        TypedResults.Ok(await locks.ClaimAsync(id, context.Caller(), request, ct));

    private static async Task<Ok<LockList>> ListAsync(string id, string? resource, LockQueries locks, CancellationToken ct) =>
        TypedResults.Ok(await locks.ListAsync(id, resource, ct));

    private static async Task<Ok<LockResult>> RenewAsync(string id, string claimId, RenewLockRequest? request, HttpContext context, LockCommands locks, CancellationToken ct) =>
        TypedResults.Ok(await locks.RenewAsync(id, context.Caller(), claimId, request ?? new RenewLockRequest(), ct));

    private static async Task<NoContent> ReleaseAsync(string id, string claimId, bool? force, HttpContext context, LockCommands locks, CancellationToken ct)
    {
        await locks.ReleaseAsync(id, context.Caller(), claimId, force ?? false, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Gives back a departing member's locks.</summary>
public sealed class LockDepartureHandler(LockCleanup locks) : IMemberDepartureHandler
{
    /// <inheritdoc />
    public Task ReleaseAsync(string swarmId, string agentId, Caller by, CancellationToken cancellationToken) =>
        locks.ReleaseAllHeldByAsync(swarmId, agentId, by.Actor, cancellationToken);
}
