using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Problems;

namespace Coordination.Core.Locks;

/// <summary>
/// Claim (optionally waiting), renew and release resource locks with fencing tokens. A claim is one read of the lock
/// row and one transaction; a renew or a release is one read of the claim row and one transaction guarded by it.
/// </summary>
public sealed class LockCommands(LockStore store, LockQuota quota, KeyedWaitQueue waiters, StripedGate gate, TimeProvider clock)
{
    /// <summary>Longest wait a caller may ask for (well under the platform's 230 s HTTP limit).</summary>
    public const int MaxWaitSeconds = 120;

    /// <summary>Waiters look again at least this often, for releases made through other instances.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Claims the lock (the route says acquire), waiting for it when asked (never longer than the wait timeout).</summary>
    public async Task<LockResult> ClaimAsync(string swarmId, Caller caller, AcquireLockRequest request, CancellationToken cancellationToken)
    {
        var resource = LockRules.ValidateResource(request.Resource);
        var ttl = LockRules.Ttl(request.Ttl);
        var waitFor = request.Wait ? TimeSpan.FromSeconds(Validation.InRange(request.WaitTimeout ?? 30, "waitTimeout", 1, MaxWaitSeconds)) : TimeSpan.Zero;
        var deadline = clock.GetUtcNow() + waitFor;
        var waitKey = LockStore.WaitKey(swarmId, resource);
        while (true)
        {
            // Join the queue before looking, so a release between the look and the wait still wakes us.
            var waiter = request.Wait ? waiters.Enqueue(waitKey) : null;
            try
            {
                var result = await TryClaimAsync(swarmId, caller, resource, ttl, cancellationToken).ConfigureAwait(false);
                var now = clock.GetUtcNow();
                if (result.Acquired || waiter is null || now >= deadline)
                {
                    return result;
                }
                var untilExpiry = result.ExpiresAt - now;
                var pause = Min(deadline - now, PollInterval, untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry);
                await KeyedSignal.WaitAsync(waiter.Task, pause, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (waiter is not null)
                {
                    KeyedWaitQueue.Leave(waiter);
                }
            }
        }
    }

    /// <summary>Releases a lock by its claim: the holder, or a coordinator with <paramref name="force"/>.</summary>
    public async Task ReleaseAsync(string swarmId, Caller caller, string claimId, bool force, CancellationToken cancellationToken)
    {
        if (force && !caller.HasRole(Role.Coordinator))
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may force a release.");
        }
        var command = new LockReleaseCommand(claimId, caller.AgentId, force, caller.Actor);
        await CommitOnClaimAsync(swarmId, claimId, (current, now) => LockRules.Release(current, command, now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extends a held lock from now by <paramref name="request"/>'s TTL (default: the TTL it was claimed with).</summary>
    public async Task<LockResult> RenewAsync(string swarmId, Caller caller, string claimId, RenewLockRequest request, CancellationToken cancellationToken)
    {
        var command = new LockRenewCommand(claimId, caller.AgentId, request.Ttl, caller.Actor);
        var renewal = await CommitOnClaimAsync(swarmId, claimId, (current, now) => LockRules.Renew(current, command, now), cancellationToken).ConfigureAwait(false);
        return renewal.Result!;
    }

    private async Task<LockResult> TryClaimAsync(string swarmId, Caller caller, string resource, TimeSpan ttl, CancellationToken cancellationToken)
    {
        // Look without the gate: a held lock answers at once, and pollers of a held lock never queue ahead of a
        // claimer. Only claiming is gated, and its first attempt reuses this read.
        var prefetched = await store.ReadLockAsync(swarmId, resource, cancellationToken).ConfigureAwait(false);
        if (LockRules.Busy(prefetched, clock.GetUtcNow()) is { } busy)
        {
            return busy;
        }
        var holder = caller.AgentId ?? throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a member of the swarm may hold a lock.");
        using var turn = await gate.EnterAsync(LockStore.WaitKey(swarmId, resource), cancellationToken).ConfigureAwait(false);
        var firstAttempt = true;
        return await OptimisticRetry.RunAsync(async ct =>
        {
            var current = firstAttempt ? prefetched : await store.ReadLockAsync(swarmId, resource, ct).ConfigureAwait(false);
            firstAttempt = false;
            var claim = LockRules.Claim(swarmId, current, new LockClaimCommand(resource, holder, caller.Actor, Ids.New("lock"), ttl), clock.GetUtcNow());
            if (!claim.Changes)
            {
                return claim.Result;
            }
            await quota.EnsureAsync(swarmId, caller.TenantId, ct).ConfigureAwait(false);
            // Lost race or gone: the lock row changed, appeared or vanished since the read. Read it and decide again.
            return await store.CommitAsync(claim, ct).ConfigureAwait(false) == LockCommitOutcome.Committed ? claim.Result : null;
        }, "the lock", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the claim row, decides, and commits guarded by that row; a lost race reads and decides again.</summary>
    private Task<LockTransition> CommitOnClaimAsync(string swarmId, string claimId, Func<LockClaimRow?, DateTimeOffset, LockTransition> decide, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var transition = decide(await store.ReadClaimAsync(swarmId, claimId, ct).ConfigureAwait(false), clock.GetUtcNow());
            return await store.CommitAsync(transition, ct).ConfigureAwait(false) switch
            {
                LockCommitOutcome.Committed => transition,
                // Only a renew rewrites a claim row in place: decide again on the renewed claim.
                LockCommitOutcome.LostRace => null,
                // Released, swept, or taken over after expiring since the read.
                _ => throw LockRules.LeaseLost(claimId),
            };
        }, "the lock", cancellationToken);

    private static TimeSpan Min(TimeSpan a, TimeSpan b, TimeSpan c) => TimeSpan.FromTicks(Math.Min(a.Ticks, Math.Min(b.Ticks, c.Ticks)));
}
