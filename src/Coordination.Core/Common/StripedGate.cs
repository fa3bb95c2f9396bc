namespace Coordination.Core.Common;

/// <summary>
/// Serializes read-modify-writes of the same row within this process. Racing ourselves on one row only
/// produces lost transactions (with 50 local contenders each success cost dozens of failed attempts); queued
/// behind a gate, each write from here succeeds first time with the cached ETag, and ETag retries remain for
/// writers in other instances. Keys hash onto a fixed set of stripes, so memory stays bounded and unrelated
/// keys rarely share one.
/// </summary>
public sealed class StripedGate
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Waits for the key's stripe; dispose the result to leave.</summary>
    public async Task<IDisposable> EnterAsync(string key, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Exit(stripe);
    }

    private sealed class Exit(SemaphoreSlim stripe) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                stripe.Release();
            }
        }
    }
}
