using Coordination.Core.Common;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Locks;

/// <summary>Frees the locks nobody will release: expired ones (the sweep) and those of a member that left.</summary>
public sealed class LockCleanup(LockStore store, TimeProvider clock, ILogger<LockCleanup> logger)
{
    /// <summary>
    /// Frees expired locks of one swarm (at most <paramref name="max"/>), each with <c>lock.released</c>
    /// (reason <c>expired</c>). Returns how many were freed.
    /// </summary>
    public async Task<int> SweepExpiredAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var freed = 0;
        await foreach (var index in store.QueryExpiryAsync(LockRows.ExpiredFilter(swarmId, now), Math.Min(max, 1000), cancellationToken).ConfigureAwait(false))
        {
            if (await TryExpireAsync(index, now, cancellationToken).ConfigureAwait(false))
            {
                freed++;
            }
            if (freed >= max)
            {
                break;
            }
        }
        return freed;
    }

    /// <summary>Releases every lock <paramref name="agentId"/> holds (it left or was removed), with reason <c>member_left</c>.</summary>
    public async Task ReleaseAllHeldByAsync(string swarmId, string agentId, string actor, CancellationToken cancellationToken)
    {
        await foreach (var index in store.QueryExpiryAsync(LockRows.HeldByFilter(swarmId, agentId), null, cancellationToken).ConfigureAwait(false))
        {
            // The index row only finds the claim; its claim row guards the release, so a renew that raced the
            // departure (and moved the index row) is released too.
            await OptimisticRetry.RunAsync(async ct =>
            {
                if (await store.ReadClaimAsync(swarmId, index.Claim.ClaimId, ct).ConfigureAwait(false) is not { } current)
                {
                    return index;
                }
                // Gone: freed since the read, as wanted. Lost race: renewed since the read; release the renewed claim.
                return await store.CommitAsync(LockRules.ReleaseDeparted(current, actor), ct).ConfigureAwait(false) == LockCommitOutcome.LostRace ? null : index;
            }, "the lock", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryExpireAsync(LockExpiryRow index, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expiry = LockRules.Expire(index, now);
        if (!expiry.Changes)
        {
            return false;
        }
        try
        {
            // Lost race or gone: a renew moved the index row, or a release, a takeover or another sweep freed the lock
            // first. Either way there is nothing left to free.
            return await store.CommitAsync(expiry, cancellationToken).ConfigureAwait(false) == LockCommitOutcome.Committed;
        }
        catch (StoredRowException e)
        {
            // Deleting a swarm removes its rows in key order, batch by batch, so its index rows outlive its claim rows for
            // a moment. Say so loudly, and go on with the other locks.
            logger.LogWarning(e, "Could not expire lock {ClaimId} of swarm {SwarmId}", index.Claim.ClaimId, index.SwarmId);
            return false;
        }
    }
}
