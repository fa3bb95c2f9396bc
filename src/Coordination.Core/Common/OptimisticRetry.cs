using Coordination.Core.Problems;

namespace Coordination.Core.Common;

/// <summary>
/// The one retry loop for read-modify-write with ETags: an attempt re-reads, decides and writes with
/// If-Match, returning null when it lost a race (412, or an insert that met a concurrent insert). Lost
/// attempts are retried with jittered, growing pauses; after <see cref="MaxAttempts"/> the caller gets
/// 409 <c>contention</c> with nothing written by the failed attempts.
/// </summary>
public static class OptimisticRetry
{
    /// <summary>Attempts before giving up.</summary>
    public const int MaxAttempts = 12;

    /// <summary>Runs <paramref name="attempt"/> until it returns a value.</summary>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T?>> attempt, string what, CancellationToken cancellationToken) where T : class
    {
        for (var i = 0; i < MaxAttempts; i++)
        {
            if (await attempt(cancellationToken).ConfigureAwait(false) is { } result)
            {
                return result;
            }
            var ceiling = Math.Min(200, 5 << Math.Min(i, 5));
            await Task.Delay(Random.Shared.Next(1, ceiling), cancellationToken).ConfigureAwait(false);
        }
        throw new ProblemException(ProblemCatalog.Contention, $"Too many concurrent changes to {what}; retry the request.");
    }
}
