using Azure;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;

namespace Coordination.Core.Locks;

/// <summary>Claim a lock for <paramref name="Holder"/>.</summary>
/// <param name="Resource">The resource (validated).</param>
/// <param name="Holder">The claiming agent.</param>
/// <param name="Actor">Who the events name.</param>
/// <param name="ClaimId">The new claim's id (decided by the caller, so the rule stays pure).</param>
/// <param name="Ttl">How long the claim lives unless renewed.</param>
public sealed record LockClaimCommand(string Resource, string Holder, string Actor, string ClaimId, TimeSpan Ttl);

/// <summary>Renew a claim by its holder.</summary>
/// <param name="ClaimId">The claim.</param>
/// <param name="AgentId">The caller.</param>
/// <param name="TtlSeconds">The new time-to-live from now; null for the one the lock was claimed with.</param>
/// <param name="Actor">Who the event names.</param>
public sealed record LockRenewCommand(string ClaimId, string? AgentId, int? TtlSeconds, string Actor);

/// <summary>Release a claim: by its holder, or by a coordinator with <paramref name="Force"/>.</summary>
/// <param name="ClaimId">The claim.</param>
/// <param name="AgentId">The caller.</param>
/// <param name="Force">Release another agent's claim (the caller's role was checked).</param>
/// <param name="Actor">Who the event names.</param>
public sealed record LockReleaseCommand(string ClaimId, string? AgentId, bool Force, string Actor);

/// <summary>
/// The lock decisions, pure and clock-free (time is passed in): each turns the rows read and a command into a
/// <see cref="LockTransition"/>, or refuses with a problem. <see cref="LockStore.CommitAsync"/> applies any transition.
/// </summary>
public static class LockRules
{
    /// <summary>Longest time-to-live of a claim, in seconds.</summary>
    public const int MaxTtlSeconds = 3600;

    /// <summary>The answer to a claim while a live claim holds the lock; null when the lock is free or its claim expired.</summary>
    public static LockResult? Busy(LockRow? current, DateTimeOffset now) =>
        current?.Claim is { } held && held.IsLive(now) ? new LockResult(false, current.Resource, null, null, held.ExpiresAt, held.Holder) : null;

    /// <summary>
    /// Claims a free lock, or takes over one whose claim expired (freeing that claim with <c>lock.released</c>,
    /// reason <c>expired</c>). Guarded by the lock row: a new row must not exist yet, a read one must be unchanged.
    /// Changes nothing while a live claim holds the lock.
    /// </summary>
    public static LockTransition Claim(string swarmId, LockRow? current, LockClaimCommand command, DateTimeOffset now)
    {
        if (Busy(current, now) is { } busy)
        {
            return LockTransition.None(swarmId, busy);
        }
        var token = (current?.LastFencingToken ?? 0) + 1;
        var claim = new LockClaim(command.Resource, command.ClaimId, command.Holder, token, now, now + command.Ttl);
        var next = LockRows.ToEntity(new LockRow(swarmId, claim.Resource, token, claim));
        var writes = new List<TableTransactionAction>
        {
            TableActions.Add(LockRows.ToEntity(new LockClaimRow(swarmId, claim, (int)command.Ttl.TotalSeconds))),
            TableActions.Add(LockRows.ToEntity(new LockExpiryRow(swarmId, claim))),
        };
        var events = new List<PendingEvent>();
        if (current?.Claim is { } expired)
        {
            // The previous holder's claim expired and nobody freed it yet: its rows go in this same transaction, so
            // that holder can never renew or release over the new one.
            writes.Add(TableActions.Delete(swarmId, LockRows.ClaimKey(expired.ClaimId), ETag.All));
            writes.Add(TableActions.Delete(swarmId, LockRows.ExpiryKey(expired.ExpiresAt, expired.Resource), ETag.All));
            events.Add(Released(expired, "expired", PendingEvent.SystemActor));
        }
        events.Add(PendingEvent.Of("lock.acquired", claim.Resource,
            new { resource = claim.Resource, claimId = claim.ClaimId, fencingToken = token, expiresAt = claim.ExpiresAt, holder = claim.Holder }, command.Actor));
        var guard = current is null ? TableActions.Add(next) : TableActions.Replace(next, current.ETag);
        return new LockTransition(swarmId, claim.Resource, guard, writes, events, current?.Claim is null ? 1 : 0,
            new LockResult(true, claim.Resource, claim.ClaimId, token, claim.ExpiresAt, null));
    }

    /// <summary>
    /// Extends a live claim from now, by its holder only. Guarded by the claim row, which a takeover, a release or
    /// the sweep deletes: a claim that lost its lock can never renew over the new holder.
    /// </summary>
    /// <exception cref="ProblemException"><c>lease_lost</c>, <c>not_holder</c>, or <c>validation_failed</c> for the TTL.</exception>
    public static LockTransition Renew(LockClaimRow? current, LockRenewCommand command, DateTimeOffset now)
    {
        var row = Live(current, command.ClaimId, now);
        if (row.Claim.Holder != command.AgentId)
        {
            throw NotHolder(row.Claim);
        }
        var ttl = command.TtlSeconds is { } seconds ? Ttl(seconds) : TimeSpan.FromSeconds(row.TtlSeconds);
        var old = row.Claim;
        var claim = old with { ExpiresAt = now + ttl };
        var writes = new List<TableTransactionAction>
        {
            TableActions.Replace(LockRows.ToEntity(new LockRow(row.SwarmId, claim.Resource, claim.FencingToken, claim)), ETag.All),
        };
        if (claim.ExpiresAt.UtcTicks != old.ExpiresAt.UtcTicks)
        {
            writes.Add(TableActions.Add(LockRows.ToEntity(new LockExpiryRow(row.SwarmId, claim))));
            writes.Add(TableActions.Delete(row.SwarmId, LockRows.ExpiryKey(old.ExpiresAt, old.Resource), ETag.All));
        }
        var renewed = PendingEvent.Of("lock.renewed", claim.Resource,
            new { resource = claim.Resource, claimId = claim.ClaimId, fencingToken = claim.FencingToken, expiresAt = claim.ExpiresAt }, command.Actor);
        return new LockTransition(row.SwarmId, claim.Resource, TableActions.Replace(LockRows.ToEntity(row with { Claim = claim }), row.ETag),
            writes, [renewed], 0, new LockResult(true, claim.Resource, claim.ClaimId, claim.FencingToken, claim.ExpiresAt, null));
    }

    /// <summary>Frees a live claim's lock: reason <c>released</c> by its holder, <c>forced</c> by a coordinator. Guarded by the claim row.</summary>
    /// <exception cref="ProblemException"><c>lease_lost</c> or <c>not_holder</c>.</exception>
    public static LockTransition Release(LockClaimRow? current, LockReleaseCommand command, DateTimeOffset now)
    {
        var row = Live(current, command.ClaimId, now);
        if (row.Claim.Holder != command.AgentId && !command.Force)
        {
            throw NotHolder(row.Claim);
        }
        return ReleaseGuardedByClaim(row, row.Claim.Holder == command.AgentId ? "released" : "forced", command.Actor);
    }

    /// <summary>Frees the lock of a member that left (reason <c>member_left</c>), expired or not. Guarded by the claim row.</summary>
    public static LockTransition ReleaseDeparted(LockClaimRow current, string actor) => ReleaseGuardedByClaim(current, "member_left", actor);

    /// <summary>
    /// Frees an expired claim's lock (reason <c>expired</c>, by the system), guarded by the expiry index row the sweep
    /// read: a renew moves that row and a release or takeover deletes it. Changes nothing while the claim is live.
    /// </summary>
    public static LockTransition Expire(LockExpiryRow index, DateTimeOffset now)
    {
        var claim = index.Claim;
        return claim.IsLive(now)
            ? LockTransition.None(index.SwarmId, null)
            : Free(index.SwarmId, claim, TableActions.Delete(index.SwarmId, LockRows.ExpiryKey(claim.ExpiresAt, claim.Resource), index.ETag),
                TableActions.Delete(index.SwarmId, LockRows.ClaimKey(claim.ClaimId), ETag.All), "expired", PendingEvent.SystemActor);
    }

    /// <summary>The resource of a request, validated.</summary>
    /// <exception cref="ProblemException"><c>validation_failed</c>.</exception>
    public static string ValidateResource(string? resource) =>
        string.IsNullOrEmpty(resource) ? throw Validation.Invalid("resource", "is required.")
        : resource.Length > LockRows.MaxResourceLength ? throw Validation.Invalid("resource", $"is {resource.Length} characters; the limit is {LockRows.MaxResourceLength}.")
        : resource;

    /// <summary>A time-to-live of a request, validated.</summary>
    /// <exception cref="ProblemException"><c>validation_failed</c> with the allowed range.</exception>
    public static TimeSpan Ttl(int seconds) => TimeSpan.FromSeconds(Validation.InRange(seconds, "ttl", 1, MaxTtlSeconds));

    /// <summary>The answer to a claim that no longer holds its lock.</summary>
    public static ProblemException LeaseLost(string claimId) =>
        new(ProblemCatalog.LeaseLost, $"Claim '{claimId}' no longer holds its lock: it was released, it expired, or it never existed.");

    private static LockClaimRow Live(LockClaimRow? current, string claimId, DateTimeOffset now) =>
        current is not null && current.Claim.IsLive(now) ? current : throw LeaseLost(claimId);

    private static LockTransition ReleaseGuardedByClaim(LockClaimRow row, string reason, string actor) =>
        Free(row.SwarmId, row.Claim, TableActions.Delete(row.SwarmId, LockRows.ClaimKey(row.Claim.ClaimId), row.ETag),
            TableActions.Delete(row.SwarmId, LockRows.ExpiryKey(row.Claim.ExpiresAt, row.Claim.Resource), ETag.All), reason, actor);

    /// <summary>Deletes the claim's two rows (one of them the guard) and leaves the lock row with only its last token.</summary>
    private static LockTransition Free(string swarmId, LockClaim claim, TableTransactionAction guard, TableTransactionAction other, string reason, string actor) =>
        new(swarmId, claim.Resource, guard,
            [other, TableActions.UpsertReplace(LockRows.ToEntity(new LockRow(swarmId, claim.Resource, claim.FencingToken, null)))],
            [Released(claim, reason, actor)], -1, null);

    private static PendingEvent Released(LockClaim claim, string reason, string actor) =>
        PendingEvent.Of("lock.released", claim.Resource,
            new { resource = claim.Resource, claimId = claim.ClaimId, fencingToken = claim.FencingToken, holder = claim.Holder, reason }, actor);

    private static ProblemException NotHolder(LockClaim claim) =>
        new(ProblemCatalog.NotHolder, "This claim belongs to another agent; only its holder (or a coordinator with force=true) may release it.",
            new Dictionary<string, object?> { ["heldBy"] = claim.Holder });
}

/// <summary>How a transition's commit ended.</summary>
public enum LockCommitOutcome
{
    /// <summary>Applied, with its events.</summary>
    Committed,

    /// <summary>The guard row changed since it was read (or a new row met one created meanwhile): read and decide again.</summary>
    LostRace,

    /// <summary>The guard row no longer exists: the claim (or index row) it stood for is gone.</summary>
    Gone,
}

/// <summary>
/// What one lock command changes, decided without storage: the guard (the one conditional write that decides a race and
/// vouches for every other row), the other writes, the events, and the change in held locks. Nothing to commit when
/// <see cref="Guard"/> is null.
/// </summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="Resource">The resource.</param>
/// <param name="Guard">The conditional write, first in the transaction; null when nothing changes.</param>
/// <param name="Writes">The other row writes, consistent with the guard's rows by construction.</param>
/// <param name="Events">The events, in order.</param>
/// <param name="HeldDelta">+1 when a free lock becomes held, -1 when a held one is freed.</param>
/// <param name="Result">The answer to the caller, when the command has one.</param>
public sealed record LockTransition(string SwarmId, string Resource, TableTransactionAction? Guard, IReadOnlyList<TableTransactionAction> Writes,
    IReadOnlyList<PendingEvent> Events, int HeldDelta, LockResult? Result)
{
    /// <summary>True when there is something to commit.</summary>
    public bool Changes => Guard is not null;

    /// <summary>A decision that changes nothing.</summary>
    public static LockTransition None(string swarmId, LockResult? result) => new(swarmId, result?.Resource ?? string.Empty, null, [], [], 0, result);
}
