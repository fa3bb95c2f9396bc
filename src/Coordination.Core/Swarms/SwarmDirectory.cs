using System.Collections.Concurrent;
using Coordination.Core.Identity;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>What authorization needs to know about a swarm.</summary>
/// <param name="SwarmId">Id.</param>
/// <param name="TenantId">Owning tenant.</param>
/// <param name="Status">Active or archived.</param>
public sealed record SwarmInfo(string SwarmId, string TenantId, SwarmStatus Status)
{
    /// <summary>True when writes are refused.</summary>
    public bool IsArchived => Status == SwarmStatus.Archived;
}

/// <summary>What authorization needs to know about a member: its role and current token id.</summary>
/// <param name="AgentId">Agent id.</param>
/// <param name="Role">Role.</param>
/// <param name="TokenId">The only token id still accepted for this member.</param>
public sealed record MembershipInfo(string AgentId, Role Role, string TokenId);

/// <summary>
/// Cached reads of swarm and membership rows for authorization. Every authenticated request needs them,
/// and a point read per request would double the storage calls of the cheapest operations, so results
/// are kept for <see cref="CacheTtl"/>. Changes made by this process invalidate at once; a removal made
/// by another instance takes effect here within the TTL.
/// </summary>
public sealed class SwarmDirectory(TableStore table, TimeProvider clock)
{
    /// <summary>How long a read stays fresh.</summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(10);

    /// <summary>True when <paramref name="id"/> has the shape of a swarm id, so it is safe as a partition key.</summary>
    public static bool IsSwarmId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id) =>
        id is { Length: <= 64 } && id.StartsWith("swarm_", StringComparison.Ordinal) && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private readonly ConcurrentDictionary<string, (SwarmInfo? Value, DateTimeOffset At)> _swarms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), (MembershipInfo? Value, DateTimeOffset At)> _members = new();

    /// <summary>The swarm, or null when it does not exist.</summary>
    public async Task<SwarmInfo?> GetSwarmAsync(string swarmId, CancellationToken cancellationToken)
    {
        if (_swarms.TryGetValue(swarmId, out var cached) && clock.GetUtcNow() - cached.At < CacheTtl)
        {
            return cached.Value;
        }
        var row = await table.GetEntityAsync(swarmId, SwarmRows.SwarmKey, SwarmRows.InfoSelect, cancellationToken).ConfigureAwait(false);
        var info = row is null ? null : SwarmRows.ToInfo(row);
        _swarms[swarmId] = (info, clock.GetUtcNow());
        return info;
    }

    /// <summary>The member, or null when it is not (or no longer) a member.</summary>
    public async Task<MembershipInfo?> GetMemberAsync(string swarmId, string agentId, CancellationToken cancellationToken)
    {
        if (_members.TryGetValue((swarmId, agentId), out var cached) && clock.GetUtcNow() - cached.At < CacheTtl)
        {
            return cached.Value;
        }
        var row = await table.GetEntityAsync(swarmId, SwarmRows.AgentKey(agentId), MemberRows.InfoSelect, cancellationToken).ConfigureAwait(false);
        var info = row is null ? null : MemberRows.ToInfo(row);
        _members[(swarmId, agentId)] = (info, clock.GetUtcNow());
        return info;
    }

    /// <summary>
    /// Ids of live swarms from the index the timers walk, at most <paramref name="max"/> (timers do bounded work
    /// per invocation).
    /// </summary>
    public async IAsyncEnumerable<string> ListSwarmIdsAsync(int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listed = 0;
        await foreach (var index in table.QueryAsync(TableFilter.Partition(GlobalRows.SwarmIndexPartition), SwarmRows.KeysOnly, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (listed++ == max)
            {
                yield break;
            }
            yield return index.RowKey;
        }
    }

    /// <summary>
    /// A timer's sweep: runs <paramref name="perSwarm"/> over the live swarms, one after another, at most
    /// <paramref name="maxSwarms"/> of them; returns how many were visited and the sum of what each run returned.
    /// </summary>
    public async Task<(int Swarms, int Total)> SweepAsync(int maxSwarms, Func<string, CancellationToken, Task<int>> perSwarm, CancellationToken cancellationToken)
    {
        var (swarms, total) = (0, 0);
        await foreach (var swarmId in ListSwarmIdsAsync(maxSwarms, cancellationToken).ConfigureAwait(false))
        {
            swarms++;
            total += await perSwarm(swarmId, cancellationToken).ConfigureAwait(false);
        }
        return (swarms, total);
    }

    /// <summary>Forgets what is cached about the swarm (and one member of it).</summary>
    public void Invalidate(string swarmId, string? agentId = null)
    {
        _swarms.TryRemove(swarmId, out _);
        if (agentId is not null)
        {
            _members.TryRemove((swarmId, agentId), out _);
        }
    }

    /// <summary>Forgets every member of the swarm (delete).</summary>
    public void InvalidateAll(string swarmId)
    {
        _swarms.TryRemove(swarmId, out _);
        foreach (var key in _members.Keys.Where(k => k.Item1 == swarmId))
        {
            _members.TryRemove(key, out _);
        }
    }
}
