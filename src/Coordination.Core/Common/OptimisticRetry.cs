using System.Diagnostics;
using Coordination.Core.Problems;

namespace Coordination.Core.Common;

/// <summary>
/// The one retry loop for read-modify-write with ETags: an attempt re-reads, decides and writes with If-Match,
/// returning null when it lost a race (412, or an insert that met a concurrent insert). Lost attempts are
/// retried after a short random pause until <see cref="MaxDuration"/> has passed; then the caller gets
/// 409 <c>contention</c>, with nothing written by the failed attempts.
/// </summary>
/// <remarks>
/// Bounded by time rather than by a small attempt count: with N writers on one row each round has one winner,
/// so the last of 50 agents joining at once may lose dozens of rounds (measured: 12 attempts were not enough).
/// Pauses stay short (at most 64 ms) because a round on Azurite takes a few milliseconds.
/// </remarks>
public static class OptimisticRetry
{
    /// <summary>How long lost races are retried before giving up.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="attempt"/> until it returns a value.</summary>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T?>> attempt, string what, CancellationToken cancellationToken) where T : class
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; ; i++)
        {
            if (await attempt(cancellationToken).ConfigureAwait(false) is { } result)
            {
                return result;
            }
            if (Stopwatch.GetElapsedTime(started) >= MaxDuration)
            {
                throw new ProblemException(ProblemCatalog.Contention, $"Too many concurrent changes to {what}; retry the request.",
                    new Dictionary<string, object?> { ["attempts"] = i + 1 });
            }
            await Task.Delay(Random.Shared.Next(1, 4 << Math.Min(i, 4)), cancellationToken).ConfigureAwait(false);
        }
    }
}
