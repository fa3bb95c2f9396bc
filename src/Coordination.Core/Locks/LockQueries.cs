namespace Coordination.Core.Locks;

/// <summary>Which locks are held: one read of a lock row, or one range query of the expiry index.</summary>
public sealed class LockQueries(LockStore store, TimeProvider clock)
{
    /// <summary>Locks currently held (not expired), soonest expiry first; one resource when given.</summary>
    public async Task<LockList> ListAsync(string swarmId, string? resource, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (resource is not null)
        {
            var row = await store.ReadLockAsync(swarmId, LockRules.ValidateResource(resource), cancellationToken).ConfigureAwait(false);
            return new LockList(row?.Claim is { } claim && claim.IsLive(now) ? [ToHeldLock(claim)] : []);
        }
        var held = new List<HeldLock>();
        await foreach (var index in store.QueryExpiryAsync(LockRows.UnexpiredFilter(swarmId, now), null, cancellationToken).ConfigureAwait(false))
        {
            held.Add(ToHeldLock(index.Claim));
        }
        return new LockList(held);
    }

    private static HeldLock ToHeldLock(LockClaim claim) =>
        new(claim.Resource, claim.ClaimId, claim.Holder, claim.FencingToken, claim.ClaimedAt, claim.ExpiresAt);
}
