using System.Collections.Concurrent;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;

namespace Coordination.Core.Locks;

/// <summary>
/// The per-swarm lock quota, checked against a count kept per instance and recounted from the index at most every few
/// seconds: a hot shared counter would serialize every claim in the swarm. Concurrent claims through several instances
/// can therefore pass the limit briefly; the next recount catches up.
/// </summary>
public sealed class LockQuota(TableStore table, TenantDirectory tenants, TimeProvider clock)
{
    private static readonly TimeSpan HeldCountTtl = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset At)> _heldCounts = new(StringComparer.Ordinal);

    /// <summary>Refuses a claim once the swarm holds as many locks as its tenant allows.</summary>
    /// <exception cref="ProblemException"><c>quota_exceeded</c>.</exception>
    public async Task EnsureAsync(string swarmId, string tenantId, CancellationToken cancellationToken)
    {
        var limit = tenants.Find(tenantId)?.Limits.MaxLocksPerSwarm ?? new TenantLimits().MaxLocksPerSwarm;
        var now = clock.GetUtcNow();
        if (!_heldCounts.TryGetValue(swarmId, out var cached) || now - cached.At > HeldCountTtl || cached.Count >= limit)
        {
            var count = 0;
            await foreach (var _ in table.QueryAsync(LockRows.UnexpiredFilter(swarmId, now), LockRows.KeysOnly, 1000, cancellationToken).ConfigureAwait(false))
            {
                if (++count > limit)
                {
                    break;
                }
            }
            cached = (count, now);
            _heldCounts[swarmId] = cached;
        }
        if (cached.Count >= limit)
        {
            throw new ProblemException(ProblemCatalog.QuotaExceeded, $"The swarm holds {cached.Count} locks; its limit is {limit}.",
                new Dictionary<string, object?> { ["limit"] = limit });
        }
    }

    /// <summary>Counts locks this instance claimed (+1) or freed (-1) since the last recount.</summary>
    public void Adjust(string swarmId, int delta)
    {
        if (delta != 0)
        {
            _heldCounts.AddOrUpdate(swarmId, (Math.Max(0, delta), DateTimeOffset.MinValue), (_, c) => (Math.Max(0, c.Count + delta), c.At));
        }
    }
}
