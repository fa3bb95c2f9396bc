using Coordination.Client.Common;
using Coordination.Core.Locks;

namespace Coordination.Client.Locks;

/// <summary>
/// A held lock that renews in the background and is released on dispose (<c>await using</c>). Pass
/// <see cref="FencingToken"/> to whatever the lock protects: tokens only grow, so a write carrying an older token is stale.
/// If a renewal is refused, <see cref="Lost"/> is cancelled.
/// </summary>
public sealed class LockScope : IAsyncDisposable
{
    private readonly LocksClient _locks;
    private readonly BackgroundRenewal _renewal;
    private bool _released;

    internal LockScope(LocksClient locks, LockResult acquired, TimeSpan ttl)
    {
        _locks = locks;
        Resource = acquired.Resource;
        ClaimId = acquired.ClaimId!;
        FencingToken = acquired.FencingToken!.Value;
        ExpiresAt = acquired.ExpiresAt;
        _renewal = new BackgroundRenewal(ttl, async ct => ExpiresAt = (await _locks.RenewAsync(ClaimId, null, ct).ConfigureAwait(false)).ExpiresAt);
    }

    /// <summary>The locked resource.</summary>
    public string Resource { get; }

    /// <summary>The claim id (to renew or release by hand).</summary>
    public string ClaimId { get; }

    /// <summary>This holder's fencing token: strictly greater than every earlier holder's.</summary>
    public long FencingToken { get; }

    /// <summary>When the lock expires unless renewed again.</summary>
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>Cancelled when the lock was lost.</summary>
    public CancellationToken Lost => _renewal.Lost;

    /// <summary>Successful background renewals so far.</summary>
    public int Renewals => _renewal.Renewals;

    /// <summary>Releases the lock now (dispose does it too).</summary>
    /// <param name="ct">Cancels the call.</param>
    public async Task ReleaseAsync(CancellationToken ct = default)
    {
        await _renewal.StopAsync().ConfigureAwait(false);
        if (!_released && !Lost.IsCancellationRequested)
        {
            await _locks.ReleaseAsync(ClaimId, ct: ct).ConfigureAwait(false);
        }
        _released = true;
    }

    /// <summary>Releases the lock; a refusal (it had already expired) is ignored.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is CoordinationProblemException or HttpRequestException)
        {
            // The lock expires by itself at its time-to-live.
        }
    }
}
