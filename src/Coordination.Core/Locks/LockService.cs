using System.Collections.Concurrent;
using Azure;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;

namespace Coordination.Core.Locks;

/// <summary>
/// Resource locks with fencing tokens. Acquire is one read of the lock row and one transaction; release and
/// renew are one read of the claim row and one transaction conditional on it. A takeover of an expired lock
/// (at acquire or by the sweep) deletes the old claim row in its own transaction, so a holder whose lock was
/// lost can never release or renew over the new holder.
/// </summary>
public sealed class LockService(TableStore table, EventLog events, TenantDirectory tenants, KeyedWaitQueue waiters, StripedGate gate, TimeProvider clock)
{
    /// <summary>Longest wait a caller may ask for (well under the platform's 230 s HTTP limit).</summary>
    public const int MaxWaitSeconds = 120;

    /// <summary>Waiters look again at least this often, for releases made through other instances.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan HeldCountTtl = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset At)> _heldCounts = new(StringComparer.Ordinal);

    /// <summary>Acquires the lock, waiting for it when asked (never longer than the wait timeout).</summary>
    public async Task<LockResult> AcquireAsync(string swarmId, Caller caller, AcquireLockRequest request, CancellationToken cancellationToken)
    {
        var resource = ValidateResource(request.Resource);
        var ttl = TimeSpan.FromSeconds(Validation.InRange(request.Ttl, "ttl", 1, 3600));
        var waitFor = request.Wait ? TimeSpan.FromSeconds(Validation.InRange(request.WaitTimeout ?? 30, "waitTimeout", 1, MaxWaitSeconds)) : TimeSpan.Zero;
        var deadline = clock.GetUtcNow() + waitFor;
        var waitKey = WaitKey(swarmId, resource);
        while (true)
        {
            // Join the queue before looking, so a release between the look and the wait still wakes us.
            var waiter = request.Wait ? waiters.Enqueue(waitKey) : null;
            try
            {
                var result = await TryAcquireAsync(swarmId, caller, resource, ttl, cancellationToken).ConfigureAwait(false);
                var now = clock.GetUtcNow();
                if (result.Acquired || waiter is null || now >= deadline)
                {
                    return result;
                }
                var untilExpiry = result.ExpiresAt - now;
                var pause = Min(deadline - now, PollInterval, untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry);
                await KeyedSignal.WaitAsync(waiter.Task, pause, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (waiter is not null)
                {
                    KeyedWaitQueue.Leave(waiter);
                }
            }
        }
    }

    /// <summary>Releases a lock by its claim: the holder, or a coordinator with <paramref name="force"/>.</summary>
    public async Task ReleaseAsync(string swarmId, Caller caller, string claimId, bool force, CancellationToken cancellationToken)
    {
        if (force && !caller.HasRole(Role.Coordinator))
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may force a release.");
        }
        var claim = await ReadLiveClaimAsync(swarmId, claimId, cancellationToken).ConfigureAwait(false);
        if (claim.GetString("Holder") != caller.AgentId && !force)
        {
            throw NotHolder(claim);
        }
        var reason = claim.GetString("Holder") == caller.AgentId ? "released" : "forced";
        if (!await TryReleaseAsync(swarmId, claim, claim.ETag, reason, caller.Actor, cancellationToken).ConfigureAwait(false))
        {
            throw LeaseLost(claimId);
        }
    }

    /// <summary>Extends a held lock from now by <paramref name="request"/>'s TTL (default: the TTL it was acquired with).</summary>
    public async Task<LockResult> RenewAsync(string swarmId, Caller caller, string claimId, RenewLockRequest request, CancellationToken cancellationToken)
    {
        var claim = await ReadLiveClaimAsync(swarmId, claimId, cancellationToken).ConfigureAwait(false);
        if (claim.GetString("Holder") != caller.AgentId)
        {
            throw NotHolder(claim);
        }
        var ttl = TimeSpan.FromSeconds(request.Ttl is { } seconds ? Validation.InRange(seconds, "ttl", 1, 3600) : claim.GetInt32("Ttl") ?? 60);
        var resource = claim.GetString("Resource")!;
        var oldExpiry = claim.GetDateTimeOffset("ExpiresAt")!.Value;
        var expiresAt = clock.GetUtcNow() + ttl;
        var token = claim.GetInt64("FencingToken")!.Value;
        var index = IndexRow(swarmId, resource, claimId, caller.AgentId!, token, claim.GetDateTimeOffset("AcquiredAt")!.Value, expiresAt);
        var actions = new List<TableTransactionAction>
        {
            TableActions.Merge(new TableEntity(swarmId, claim.RowKey) { ["ExpiresAt"] = expiresAt }, claim.ETag),
            TableActions.Merge(new TableEntity(swarmId, LockRows.LockKey(resource)) { ["ExpiresAt"] = expiresAt }, ETag.All),
            TableActions.Add(index),
            events.Append(swarmId, PendingEvent.Of("lock.renewed", resource, new { resource, claimId, fencingToken = token, expiresAt }, caller.Actor)),
        };
        if (index.RowKey != LockRows.ExpiryKey(oldExpiry, resource))
        {
            actions.Add(TableActions.Delete(swarmId, LockRows.ExpiryKey(oldExpiry, resource), ETag.All));
        }
        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw LeaseLost(claimId);
        }
        events.Committed(swarmId);
        return new LockResult(true, resource, claimId, token, expiresAt, null);
    }

    /// <summary>Locks currently held (not expired), soonest expiry first; one resource when given.</summary>
    public async Task<LockList> ListAsync(string swarmId, string? resource, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var held = new List<HeldLock>();
        if (resource is not null)
        {
            var row = await table.GetEntityAsync(swarmId, LockRows.LockKey(ValidateResource(resource)), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (row?.GetString("Holder") is { Length: > 0 } holder && row.GetDateTimeOffset("ExpiresAt") > now)
            {
                held.Add(new HeldLock(resource, row.GetString("ClaimId")!, holder, row.GetInt64("LastFencingToken")!.Value, row.GetDateTimeOffset("AcquiredAt")!.Value, row.GetDateTimeOffset("ExpiresAt")!.Value));
            }
            return new LockList(held);
        }
        var filter = $"PartitionKey eq {TableFilter.Literal(swarmId)} and RowKey ge {TableFilter.Literal(LockRows.ExpiryBound(now))} and RowKey lt {TableFilter.Literal(LockRows.ExpiryPrefix + "~")}";
        await foreach (var index in table.QueryAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            held.Add(ToHeldLock(index));
        }
        return new LockList(held);
    }

    /// <summary>
    /// Frees expired locks of one swarm (at most <paramref name="max"/>), each with <c>resource_released</c>
    /// (reason <c>expired</c>). Returns how many were freed.
    /// </summary>
    public async Task<int> SweepExpiredAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableFilter.Literal(swarmId)} and RowKey ge {TableFilter.Literal(LockRows.ExpiryPrefix)} and RowKey lt {TableFilter.Literal(LockRows.ExpiryBound(clock.GetUtcNow()))}";
        var freed = 0;
        await foreach (var index in table.QueryAsync(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // Conditional on the index row: a concurrent renew or takeover moved or removed it, and then this does nothing.
            if (await TryReleaseAsync(swarmId, ClaimFromIndex(index), index.ETag, "expired", PendingEvent.SystemActor, cancellationToken, conditionOnIndex: true).ConfigureAwait(false))
            {
                freed++;
            }
            if (freed >= max)
            {
                break;
            }
        }
        return freed;
    }

    /// <summary>Releases every lock <paramref name="agentId"/> holds (it left or was removed).</summary>
    public async Task ReleaseAllHeldByAsync(string swarmId, string agentId, string actor, CancellationToken cancellationToken)
    {
        var filter = $"{TableFilter.RowKeyPrefix(swarmId, LockRows.ExpiryPrefix)} and Holder eq {TableFilter.Literal(agentId)}";
        await foreach (var index in table.QueryAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await TryReleaseAsync(swarmId, ClaimFromIndex(index), index.ETag, "member_left", actor, cancellationToken, conditionOnIndex: true).ConfigureAwait(false);
        }
    }

    private async Task<LockResult> TryAcquireAsync(string swarmId, Caller caller, string resource, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var lockKey = LockRows.LockKey(resource);
        // Look without the gate: a held lock answers at once, and pollers of a held lock never queue ahead of a
        // writer. Only taking the lock is gated, and its first attempt reuses this read.
        var prefetched = await table.GetEntityAsync(swarmId, lockKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (HeldBy(prefetched, clock.GetUtcNow()) is { } busy)
        {
            return busy with { Resource = resource };
        }
        using var turn = await gate.EnterAsync(WaitKey(swarmId, resource), cancellationToken).ConfigureAwait(false);
        var firstAttempt = true;
        return await OptimisticRetry.RunAsync(async ct =>
        {
            var row = firstAttempt ? prefetched : await table.GetEntityAsync(swarmId, lockKey, cancellationToken: ct).ConfigureAwait(false);
            firstAttempt = false;
            var now = clock.GetUtcNow();
            if (HeldBy(row, now) is { } held)
            {
                return held with { Resource = resource };
            }
            var holder = row?.GetString("Holder") is { Length: > 0 } h ? h : null;
            var heldUntil = row?.GetDateTimeOffset("ExpiresAt");
            await EnsureQuotaAsync(swarmId, caller, ct).ConfigureAwait(false);

            var token = (row?.GetInt64("LastFencingToken") ?? 0) + 1;
            var claimId = Ids.New("lock");
            var expiresAt = now + ttl;
            var next = new TableEntity(swarmId, lockKey)
            {
                ["Resource"] = resource, ["LastFencingToken"] = token, ["Holder"] = caller.AgentId, ["ClaimId"] = claimId,
                ["AcquiredAt"] = now, ["ExpiresAt"] = expiresAt,
            };
            var actions = new List<TableTransactionAction>
            {
                row is null ? TableActions.Add(next) : TableActions.Replace(next, row.ETag),
                TableActions.Add(new TableEntity(swarmId, LockRows.ClaimKey(claimId))
                {
                    ["Resource"] = resource, ["Holder"] = caller.AgentId, ["FencingToken"] = token, ["AcquiredAt"] = now,
                    ["ExpiresAt"] = expiresAt, ["Ttl"] = (int)ttl.TotalSeconds,
                }),
                TableActions.Add(IndexRow(swarmId, resource, claimId, caller.AgentId!, token, now, expiresAt)),
            };
            if (holder is not null)
            {
                // Work stealing: the previous holder's lock expired and nobody swept it yet.
                var previousClaim = row!.GetString("ClaimId")!;
                actions.Add(TableActions.Delete(swarmId, LockRows.ClaimKey(previousClaim), ETag.All));
                actions.Add(TableActions.Delete(swarmId, LockRows.ExpiryKey(heldUntil!.Value, resource), ETag.All));
                actions.Add(events.Append(swarmId, PendingEvent.Of("resource_released", resource,
                    new { resource, claimId = previousClaim, fencingToken = token - 1, holder, reason = "expired" }, PendingEvent.SystemActor)));
            }
            actions.Add(events.Append(swarmId, PendingEvent.Of("lock.acquired", resource, new { resource, claimId, fencingToken = token, expiresAt, holder = caller.AgentId }, caller.Actor)));
            if (!(await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false)).Succeeded)
            {
                return null;
            }
            AdjustHeldCount(swarmId, holder is null ? +1 : 0);
            events.Committed(swarmId);
            return new LockResult(true, resource, claimId, token, expiresAt, null);
        }, "the lock", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Frees the lock a claim describes, in one transaction conditional on the claim row (or, for the sweep and
    /// departures, on the index row): the lock row keeps only its last fencing token.
    /// </summary>
    private async Task<bool> TryReleaseAsync(string swarmId, TableEntity claim, ETag condition, string reason, string actor, CancellationToken cancellationToken, bool conditionOnIndex = false)
    {
        var resource = claim.GetString("Resource")!;
        var claimId = TableKeyCodec.Split(claim.RowKey)[0];
        var token = claim.GetInt64("FencingToken")!.Value;
        var indexKey = LockRows.ExpiryKey(claim.GetDateTimeOffset("ExpiresAt")!.Value, resource);
        var result = await table.SubmitTransactionAsync(
        [
            TableActions.Delete(swarmId, claim.RowKey, conditionOnIndex ? ETag.All : condition),
            TableActions.Delete(swarmId, indexKey, conditionOnIndex ? condition : ETag.All),
            TableActions.UpsertReplace(new TableEntity(swarmId, LockRows.LockKey(resource)) { ["Resource"] = resource, ["LastFencingToken"] = token, ["Holder"] = string.Empty }),
            events.Append(swarmId, PendingEvent.Of("resource_released", resource, new { resource, claimId, fencingToken = token, holder = claim.GetString("Holder"), reason }, actor)),
        ], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return false;
        }
        AdjustHeldCount(swarmId, -1);
        events.Committed(swarmId);
        waiters.WakeOne(WaitKey(swarmId, resource));
        return true;
    }

    private async Task<TableEntity> ReadLiveClaimAsync(string swarmId, string claimId, CancellationToken cancellationToken)
    {
        var claim = claimId.Length is > 0 and <= 64
            ? await table.GetEntityAsync(swarmId, LockRows.ClaimKey(claimId), cancellationToken: cancellationToken).ConfigureAwait(false)
            : null;
        if (claim is null || claim.GetDateTimeOffset("ExpiresAt") <= clock.GetUtcNow())
        {
            throw LeaseLost(claimId);
        }
        return claim;
    }

    /// <summary>
    /// The per-swarm lock quota, checked against a count kept per instance and recounted from the index at most
    /// every few seconds: a hot shared counter would serialize every acquire in the swarm. Concurrent acquires
    /// through several instances can therefore pass the limit briefly; the next recount catches up.
    /// </summary>
    private async Task EnsureQuotaAsync(string swarmId, Caller caller, CancellationToken cancellationToken)
    {
        var limit = tenants.Find(caller.TenantId)?.Limits.MaxLocksPerSwarm ?? new TenantLimits().MaxLocksPerSwarm;
        var now = clock.GetUtcNow();
        if (!_heldCounts.TryGetValue(swarmId, out var cached) || now - cached.At > HeldCountTtl || cached.Count >= limit)
        {
            var count = 0;
            var filter = $"{TableFilter.RowKeyPrefix(swarmId, LockRows.ExpiryPrefix)} and ExpiresAt gt {TableFilter.Literal(now)}";
            await foreach (var _ in table.QueryAsync(filter, ["RowKey"], 1000, cancellationToken).ConfigureAwait(false))
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

    private void AdjustHeldCount(string swarmId, int delta)
    {
        if (delta != 0)
        {
            _heldCounts.AddOrUpdate(swarmId, (Math.Max(0, delta), DateTimeOffset.MinValue), (_, c) => (Math.Max(0, c.Count + delta), c.At));
        }
    }

    /// <summary>The "not acquired" answer when the row shows a live holder; null when the lock is free or expired.</summary>
    private static LockResult? HeldBy(TableEntity? row, DateTimeOffset now) =>
        row?.GetString("Holder") is { Length: > 0 } holder && row.GetDateTimeOffset("ExpiresAt") is { } until && until > now
            ? new LockResult(false, string.Empty, null, null, until, holder)
            : null;

    private static TableEntity IndexRow(string swarmId, string resource, string claimId, string holder, long token, DateTimeOffset acquiredAt, DateTimeOffset expiresAt) =>
        new(swarmId, LockRows.ExpiryKey(expiresAt, resource))
        {
            ["Resource"] = resource, ["ClaimId"] = claimId, ["Holder"] = holder, ["FencingToken"] = token,
            ["AcquiredAt"] = acquiredAt, ["ExpiresAt"] = expiresAt,
        };

    /// <summary>The claim an index row describes (the fields a release needs).</summary>
    private static TableEntity ClaimFromIndex(TableEntity index) => new(index.PartitionKey, LockRows.ClaimKey(index.GetString("ClaimId")!))
    {
        ["Resource"] = index.GetString("Resource"), ["Holder"] = index.GetString("Holder"),
        ["FencingToken"] = index.GetInt64("FencingToken"), ["ExpiresAt"] = index.GetDateTimeOffset("ExpiresAt"),
    };

    private static HeldLock ToHeldLock(TableEntity index) => new(
        index.GetString("Resource")!, index.GetString("ClaimId")!, index.GetString("Holder")!, index.GetInt64("FencingToken")!.Value,
        index.GetDateTimeOffset("AcquiredAt")!.Value, index.GetDateTimeOffset("ExpiresAt")!.Value);

    private static string ValidateResource(string? resource) =>
        string.IsNullOrEmpty(resource) ? throw Validation.Invalid("resource", "is required.")
        : resource.Length > LockRows.MaxResourceLength ? throw Validation.Invalid("resource", $"is {resource.Length} characters; the limit is {LockRows.MaxResourceLength}.")
        : resource;

    private static string WaitKey(string swarmId, string resource) => swarmId + "\n" + resource;

    private static TimeSpan Min(TimeSpan a, TimeSpan b, TimeSpan c) => TimeSpan.FromTicks(Math.Min(a.Ticks, Math.Min(b.Ticks, c.Ticks)));

    private static ProblemException LeaseLost(string claimId) =>
        new(ProblemCatalog.LeaseLost, $"Claim '{claimId}' no longer holds its lock: it was released, it expired, or it never existed.");

    private static ProblemException NotHolder(TableEntity claim) =>
        new(ProblemCatalog.NotHolder, "This claim belongs to another agent; only its holder (or a coordinator with force=true) may release it.",
            new Dictionary<string, object?> { ["heldBy"] = claim.GetString("Holder") });
}
