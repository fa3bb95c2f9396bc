using Coordination.Client.Http;
using Coordination.Core.Locks;

namespace Coordination.Client.Locks;

/// <summary>Named locks with time-to-live and fencing tokens.</summary>
public sealed class LocksClient
{
    private readonly ApiTransport _api;

    internal LocksClient(ApiTransport api) => _api = api;

    private string Locks => _api.SwarmPath() + "/locks";

    /// <summary>Tries to acquire a lock; with <c>Wait</c>, waits up to <c>WaitTimeout</c> seconds for its holder to let go.</summary>
    /// <param name="request">Resource, time-to-live and wait.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<LockResult> AcquireAsync(AcquireLockRequest request, CancellationToken ct = default) =>
        _api.SendAsync<LockResult>(HttpMethod.Post, Locks, request, ct);

    /// <summary>Lists held locks (optionally one resource), soonest expiry first.</summary>
    /// <param name="resource">Only this resource.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<LockList> ListAsync(string? resource = null, CancellationToken ct = default) =>
        _api.SendAsync<LockList>(HttpMethod.Get, ApiTransport.WithQuery(Locks, ("resource", resource)), null, ct);

    /// <summary>Extends a held lock (by its original time-to-live, or <paramref name="ttl"/> seconds).</summary>
    /// <param name="claimId">The claim an acquisition returned.</param>
    /// <param name="ttl">New time-to-live in seconds.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<LockResult> RenewAsync(string claimId, int? ttl = null, CancellationToken ct = default) =>
        _api.SendAsync<LockResult>(HttpMethod.Post, Locks + "/" + ApiTransport.Segment(claimId) + "/renew", new RenewLockRequest(ttl), ct);

    /// <summary>Releases a lock (<paramref name="force"/>: a coordinator releases another agent's).</summary>
    /// <param name="claimId">The claim.</param>
    /// <param name="force">Release even when held by another agent.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task ReleaseAsync(string claimId, bool force = false, CancellationToken ct = default) =>
        _api.SendAsync(HttpMethod.Delete, ApiTransport.WithQuery(Locks + "/" + ApiTransport.Segment(claimId), ("force", force ? true : null)), null, ct);

    /// <summary>
    /// Acquires <paramref name="resource"/> and returns it in a scope that renews it in the background and releases it
    /// on dispose (<c>await using</c>); null when it is held and <paramref name="waitSeconds"/> passed (or was 0).
    /// </summary>
    /// <param name="resource">The resource.</param>
    /// <param name="ttlSeconds">Time-to-live (1–3600); renewed at a third of it.</param>
    /// <param name="waitSeconds">Seconds to wait for the holder (0: do not wait; at most 120).</param>
    /// <param name="ct">Cancels the acquisition.</param>
    public async Task<LockScope?> AcquireScopeAsync(string resource, int ttlSeconds = 30, int waitSeconds = 0, CancellationToken ct = default)
    {
        var result = await AcquireAsync(new AcquireLockRequest(resource, ttlSeconds, waitSeconds > 0, waitSeconds > 0 ? waitSeconds : null), ct).ConfigureAwait(false);
        return result.Acquired ? new LockScope(this, result, TimeSpan.FromSeconds(ttlSeconds)) : null;
    }
}
