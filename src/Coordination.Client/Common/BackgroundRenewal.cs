using System.Diagnostics;

namespace Coordination.Client.Common;

/// <summary>
/// Renews a lease or lock in the background every third of its time-to-live, so two renewals can fail in a row
/// (a slow call, a 503 retried) before it lapses. A refusal (the lease or lock is no longer the caller's) or running
/// past the expiry without a successful renewal marks it lost: <see cref="Lost"/> is cancelled and renewing stops.
/// </summary>
internal sealed class BackgroundRenewal
{
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromMilliseconds(200);

    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Func<CancellationToken, Task> _renew;
    private readonly TimeSpan _ttl;
    private readonly Task _loop;
    private int _renewals;

    public BackgroundRenewal(TimeSpan ttl, Func<CancellationToken, Task> renew)
    {
        _ttl = ttl;
        _renew = renew;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Cancelled when the lease or lock was lost.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Why it was lost (the refusal, or the last failure before it lapsed).</summary>
    public Exception? LostBecause { get; private set; }

    /// <summary>Successful renewals so far.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>Stops renewing and waits for a renewal in flight to finish.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var interval = _ttl / 3 > ShortestInterval ? _ttl / 3 : ShortestInterval;
        var sinceRenewed = Stopwatch.StartNew();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                await _renew(_stop.Token).ConfigureAwait(false);
                sinceRenewed.Restart();
                Interlocked.Increment(ref _renewals);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (CoordinationProblemException problem) when (!problem.IsTransient)
            {
                await MarkLostAsync(problem).ConfigureAwait(false);
                return;
            }
            catch (Exception failure) when (failure is CoordinationProblemException or HttpRequestException or OperationCanceledException)
            {
                if (sinceRenewed.Elapsed >= _ttl)
                {
                    await MarkLostAsync(failure).ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    private async Task MarkLostAsync(Exception reason)
    {
        LostBecause = reason;
        await _lost.CancelAsync().ConfigureAwait(false);
    }
}
