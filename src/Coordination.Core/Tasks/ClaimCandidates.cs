using System.Collections.Concurrent;

namespace Coordination.Core.Tasks;

/// <summary>
/// This process's claim candidates: per swarm and set of types, the head of the ready rows (of every assignment), read by
/// one query and handed out row by row. Claimers in this process then take different rows instead of racing for the same
/// head, and most claims need no query (on Azurite a query passes over every row of the table: the claim query was a
/// third of the emulator's work per claim→complete cycle). The ETags read still decide every race: a row claimed, edited
/// or deleted since by anyone fails its claim's transaction (every change of a pending task rewrites its ready row), and
/// the claim moves on to the next.
/// <para>
/// Order: a change here that leaves a task claimable (an enqueue, a release, an edit) empties the swarm's pools, since
/// the new row may outrank them; one made by another process, or a task whose notBefore passes, is seen when a pool is
/// read again, at the latest <see cref="MaxAge"/> after it was read.
/// </para>
/// </summary>
public sealed class ClaimCandidates
{
    /// <summary>Ready rows a pool reads at once.</summary>
    public const int PoolSize = 50;

    /// <summary>How long a pool answers before it is read again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, SwarmPools> _swarms = new(StringComparer.Ordinal);

    /// <summary>The pool key of a claim's types (empty: any type).</summary>
    private static string TypesKey(IReadOnlyList<string> types) => string.Join('\n', types.Order(StringComparer.Ordinal));

    /// <summary>
    /// Up to <paramref name="count"/> ready rows for a claim by <paramref name="agentId"/>, in queue order, from the pool
    /// for <paramref name="types"/>; when the pool is missing or old, one claimer at a time per swarm reads it again with
    /// <paramref name="read"/> (a pool's query: the first <see cref="PoolSize"/> ready rows, and whether that is all of
    /// them) while the others wait for it rather than query too. Null when the pool cannot answer for this claimer (it
    /// holds too few rows it may take, and there are more ready rows than it holds): the claim queries with its own filter.
    /// </summary>
    public async Task<List<TaskRow>?> TakeAsync(string swarmId, IReadOnlyList<string> types, string? agentId, int count, DateTimeOffset now,
        Func<CancellationToken, Task<(List<TaskRow> Rows, bool All)>> read, CancellationToken cancellationToken)
    {
        var key = TypesKey(types);
        var swarm = _swarms.GetOrAdd(swarmId, _ => new SwarmPools());
        if (TryTake(swarm, key, agentId, count, now, out var taken))
        {
            return taken;
        }
        await swarm.FillGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryTake(swarm, key, agentId, count, now, out taken))
            {
                return taken;   // read by the claimer this one waited for
            }
            long generation;
            lock (swarm)
            {
                generation = swarm.Generation;
            }
            var (rows, all) = await read(cancellationToken).ConfigureAwait(false);
            lock (swarm)
            {
                if (swarm.Generation != generation)
                {
                    // A task became claimable meanwhile and may outrank these: not kept, but this claim still uses them.
                    return Pick(rows, all, agentId, count, now);
                }
                foreach (var stale in swarm.Pools.Where(pair => now - pair.Value.ReadAt > MaxAge).Select(pair => pair.Key).ToList())
                {
                    swarm.Pools.Remove(stale);
                }
                swarm.Pools[key] = new Pool([.. rows], now, all);
            }
            TryTake(swarm, key, agentId, count, now, out taken);
            return taken;
        }
        finally
        {
            swarm.FillGate.Release();
        }
    }

    /// <summary>
    /// True when the pool answers: it exists, is fresh, and is not used up. Then <paramref name="taken"/> holds the rows taken (removed from
    /// the pool), or null when it holds too few this claimer may take and ready rows beyond it were not read.
    /// </summary>
    private static bool TryTake(SwarmPools swarm, string key, string? agentId, int count, DateTimeOffset now, out List<TaskRow>? taken)
    {
        lock (swarm)
        {
            taken = null;
            if (!swarm.Pools.TryGetValue(key, out var pool) || now - pool.ReadAt > MaxAge || (pool.Rows.Count == 0 && !pool.HoldsAll))
            {
                return false;   // missing, old, or used up while more rows are ready: read it again
            }
            taken = Pick(pool.Rows, pool.HoldsAll, agentId, count, now);
            if (taken is not null)
            {
                pool.Rows.RemoveAll(taken.Contains);
            }
            return true;
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> rows of <paramref name="rows"/> (in queue order) <paramref name="agentId"/> may claim;
    /// fewer only when <paramref name="holdsAll"/> says no other ready row exists; else null.
    /// </summary>
    public static List<TaskRow>? Pick(IEnumerable<TaskRow> rows, bool holdsAll, string? agentId, int count, DateTimeOffset now)
    {
        var taken = rows.Where(row => LeaseRules.IsClaimable(row, agentId, now)).Take(count).ToList();
        return taken.Count == count || holdsAll ? taken : null;
    }

    /// <summary>Gives back rows taken but not claimed (a claim that ranked lapsed leases above them), in queue order.</summary>
    public void PutBack(string swarmId, IReadOnlyList<string> types, IReadOnlyCollection<TaskRow> rows)
    {
        var typesKey = TypesKey(types);
        if (rows.Count == 0 || !_swarms.TryGetValue(swarmId, out var swarm))
        {
            return;
        }
        lock (swarm)
        {
            if (swarm.Pools.TryGetValue(typesKey, out var pool))
            {
                pool.Rows.AddRange(rows.Where(row => !pool.Rows.Exists(held => held.TaskId == row.TaskId)));
                pool.Rows.Sort((x, y) => string.CompareOrdinal(LeaseRules.QueueRank(x), LeaseRules.QueueRank(y)));
            }
        }
    }

    /// <summary>Empties the swarm's pools: a task became claimable and may outrank what they hold.</summary>
    public void Invalidate(string swarmId)
    {
        if (_swarms.TryGetValue(swarmId, out var swarm))
        {
            lock (swarm)
            {
                swarm.Generation++;
                swarm.Pools.Clear();
            }
        }
    }

    private sealed class SwarmPools
    {
        public long Generation { get; set; }

        public Dictionary<string, Pool> Pools { get; } = new(StringComparer.Ordinal);

        /// <summary>Lets one claimer at a time read a pool again.</summary>
        public SemaphoreSlim FillGate { get; } = new(1, 1);
    }

    /// <param name="Rows">Rows not handed out yet, in queue order.</param>
    /// <param name="ReadAt">When the query ran.</param>
    /// <param name="HoldsAll">The query read every ready row.</param>
    private sealed record Pool(List<TaskRow> Rows, DateTimeOffset ReadAt, bool HoldsAll);
}
