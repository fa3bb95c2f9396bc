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
/// Order: a change here that leaves a task claimable (an enqueue, a release, an edit) offers its ready row to the swarm's
/// pools at its place in the queue (<see cref="Offer"/>); one made by another process, or a task whose notBefore passes,
/// is seen when a pool is read again, at the latest <see cref="MaxAge"/> after it was read.
/// </para>
/// </summary>
public sealed class ClaimCandidates(TimeProvider clock)
{
    /// <summary>Ready rows a pool reads at once.</summary>
    public const int PoolSize = 50;

    /// <summary>How long a pool answers before it is read again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, SwarmPools> _swarms = new(StringComparer.Ordinal);

    /// <summary>How far ahead of a lease query no lease made after it can lapse (the shortest lease, 5 s, less 1 s of clock skew).</summary>
    public static readonly TimeSpan NewLeaseMargin = TimeSpan.FromSeconds(4);

    private static string LapseKey(string? agentId, IReadOnlyList<string> types) => (agentId ?? string.Empty) + "\n\n" + TypesKey(types);

    /// <summary>The pool key of a claim's types (empty: any type).</summary>
    private static string TypesKey(IReadOnlyList<string> types) => string.Join('\n', types.Order(StringComparer.Ordinal));

    /// <summary>
    /// Up to <paramref name="count"/> ready rows for a claim by <paramref name="agentId"/>, in queue order (each due by the
    /// time this returns: the claim decides at a time read after it), from the pool
    /// for <paramref name="types"/>; when the pool is missing or old, one claimer at a time per swarm reads it again with
    /// <paramref name="read"/> (a pool's query: the first <see cref="PoolSize"/> ready rows, and whether that is all of
    /// them) while the others wait for it rather than query too. Null when the pool cannot answer for this claimer (it
    /// holds too few rows it may take, and there are more ready rows than it holds): the claim queries with its own filter.
    /// </summary>
    public async Task<List<TaskRow>?> TakeAsync(string swarmId, IReadOnlyList<string> types, string? agentId, int count,
        Func<DateTimeOffset, CancellationToken, Task<(List<TaskRow> Rows, bool All)>> read, CancellationToken cancellationToken)
    {
        // Each step reads the clock afresh: a time taken before waiting for the gate would hide rows that became ready
        // meanwhile, from the pool's query (ReadyAt le …) and from the pick, and the claimer would sleep past their wake-up.
        var key = TypesKey(types);
        var swarm = _swarms.GetOrAdd(swarmId, _ => new SwarmPools());
        if (TryTake(swarm, key, agentId, count, clock.GetUtcNow(), out var taken))
        {
            return taken;
        }
        await swarm.FillGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryTake(swarm, key, agentId, count, clock.GetUtcNow(), out taken))
            {
                return taken;   // read by the claimer this one waited for
            }
            long generation;
            lock (swarm)
            {
                generation = swarm.Generation;
            }
            var readAt = clock.GetUtcNow();
            var (rows, all) = await read(readAt, cancellationToken).ConfigureAwait(false);
            lock (swarm)
            {
                if (swarm.Generation != generation)
                {
                    // A task became claimable meanwhile and may outrank these: not kept, but this claim still uses them.
                    return Pick(rows, all, agentId, count, readAt);
                }
                foreach (var stale in swarm.Pools.Where(pair => readAt - pair.Value.ReadAt > MaxAge).Select(pair => pair.Key).ToList())
                {
                    swarm.Pools.Remove(stale);
                }
                swarm.Pools[key] = new Pool(rows, readAt, all);
            }
            TryTake(swarm, key, agentId, count, readAt, out taken);
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
            taken = Pick(pool.Rows.Values, pool.HoldsAll, agentId, count, now);
            foreach (var row in taken ?? [])
            {
                pool.Rows.Remove(LeaseRules.QueueRank(row));
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

    /// <summary>Drops the pool for these types: a claim from it lost a race, so it is stale somewhere.</summary>
    public void Forget(string swarmId, IReadOnlyList<string> types)
    {
        if (_swarms.TryGetValue(swarmId, out var swarm))
        {
            lock (swarm)
            {
                swarm.Pools.Remove(TypesKey(types));
            }
        }
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
                foreach (var row in rows.Where(row => pool.IndexOf(row.TaskId) < 0))
                {
                    pool.Rows.Add(LeaseRules.QueueRank(row), row);
                }
            }
        }
    }

    /// <summary>
    /// False when no lease a claim by <paramref name="agentId"/> for <paramref name="types"/> could take over can have lapsed
    /// by <paramref name="now"/>, as a query told <see cref="NoLapsedLeasesUntil"/>: an idle claimer then skips the query
    /// for lapsed leases on every poll and wake-up.
    /// </summary>
    public bool MayHaveLapsedLeases(string swarmId, string? agentId, IReadOnlyList<string> types, DateTimeOffset now)
    {
        if (!_swarms.TryGetValue(swarmId, out var swarm))
        {
            return true;
        }
        lock (swarm)
        {
            return !swarm.NoLapseBefore.TryGetValue(LapseKey(agentId, types), out var until) || now >= until;
        }
    }

    /// <summary>
    /// Records that at <paramref name="now"/> no lease such a claim could take over had lapsed, and the soonest live one
    /// expires at <paramref name="firstLive"/> (null: none). No lease lapses before the sooner of that and
    /// <paramref name="now"/> plus <see cref="NewLeaseMargin"/>: a lease made or renewed later runs at least 5 s (the shortest
    /// lease), less a second for another instance's clock being behind ours.
    /// </summary>
    public void NoLapsedLeasesUntil(string swarmId, string? agentId, IReadOnlyList<string> types, DateTimeOffset? firstLive, DateTimeOffset now)
    {
        var swarm = _swarms.GetOrAdd(swarmId, _ => new SwarmPools());
        var until = now + NewLeaseMargin;
        lock (swarm)
        {
            foreach (var passed in swarm.NoLapseBefore.Where(pair => pair.Value <= now).Select(pair => pair.Key).ToList())
            {
                swarm.NoLapseBefore.Remove(passed);
            }
            swarm.NoLapseBefore[LapseKey(agentId, types)] = firstLive is { } live && live < until ? live : until;
        }
    }

    /// <summary>
    /// Takes rows this process just made claimable (their ready rows as committed, with the new ETags) into the swarm's
    /// pools at their place in the queue, so the claimer an enqueue wakes needs no query. A row that ranks after every row a
    /// pool holds is left out when ready rows the pool did not read may rank before it. An older copy of the same task
    /// (an edit moved it) leaves the pools either way.
    /// </summary>
    public void Offer(string swarmId, IReadOnlyList<TaskRow> ready)
    {
        if (ready.Count == 0 || !_swarms.TryGetValue(swarmId, out var swarm))
        {
            return;
        }
        lock (swarm)
        {
            swarm.Generation++;   // a pool being read now may miss these rows: it is used once, not kept
            foreach (var (key, pool) in swarm.Pools)
            {
                var types = key.Length == 0 ? null : key.Split('\n');
                foreach (var row in ready)
                {
                    if (pool.IndexOf(row.TaskId) is var held and >= 0)
                    {
                        pool.Rows.RemoveAt(held);
                    }
                    if (types is not null && !types.Contains(row.Type, StringComparer.Ordinal))
                    {
                        continue;
                    }
                    var rank = LeaseRules.QueueRank(row);
                    if (pool.HoldsAll || (pool.Rows.Count > 0 && string.CompareOrdinal(rank, pool.Rows.Keys[^1]) < 0))
                    {
                        pool.Rows.Add(rank, row);
                    }
                }
                while (pool.Rows.Count > 2 * PoolSize)
                {
                    pool.Rows.RemoveAt(pool.Rows.Count - 1);
                    pool.HoldsAll = false;
                }
            }
        }
    }

    private sealed class SwarmPools
    {
        public long Generation { get; set; }

        public Dictionary<string, Pool> Pools { get; } = new(StringComparer.Ordinal);

        /// <summary>Per claimer and types: no lease such a claim could take over lapses before this time.</summary>
        public Dictionary<string, DateTimeOffset> NoLapseBefore { get; } = new(StringComparer.Ordinal);

        /// <summary>Lets one claimer at a time read a pool again.</summary>
        public SemaphoreSlim FillGate { get; } = new(1, 1);
    }

    /// <summary>One read of the queue's head.</summary>
    private sealed class Pool(IEnumerable<TaskRow> rows, DateTimeOffset readAt, bool holdsAll)
    {
        /// <summary>Rows not handed out yet, by their rank in the queue (each rank computed once, when the row comes in).</summary>
        public SortedList<string, TaskRow> Rows { get; } = new(rows.ToDictionary(LeaseRules.QueueRank), StringComparer.Ordinal);

        /// <summary>When the query ran.</summary>
        public DateTimeOffset ReadAt { get; } = readAt;

        /// <summary>True when the pool holds every ready row (the query read them all, and nothing was trimmed since).</summary>
        public bool HoldsAll { get; set; } = holdsAll;

        /// <summary>Where the pool holds a copy of the task, or -1.</summary>
        public int IndexOf(string taskId)
        {
            for (var i = 0; i < Rows.Count; i++)
            {
                if (Rows.Values[i].TaskId == taskId)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
