using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Coordination.Core.Events;
using Coordination.Core.Locks;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Core;

/// <summary>Every lock command against every state of the rows it reads, at fixed times, without storage.</summary>
public sealed class LockRulesTests
{
    private const string Swarm = "swarm_x";
    private const string Resource = "db:migrations";
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly ETag Read = new("W/\"read\"");
    private static readonly LockClaim Held = new(Resource, "lock_old", "holder", 4, T0, T0.AddSeconds(30));

    private static LockClaimCommand ClaimBy(string agent, int ttlSeconds = 60) => new(Resource, agent, agent, "lock_new", TimeSpan.FromSeconds(ttlSeconds));

    private static LockRow HeldRow => new(Swarm, Resource, 4, Held) { ETag = Read };

    private static LockClaimRow ClaimRow => new(Swarm, Held, 30) { ETag = Read };

    [Fact]
    public void Claiming_a_lock_never_claimed_creates_it_with_token_one()
    {
        var claim = LockRules.Claim(Swarm, null, ClaimBy("a"), T0);

        Assert.Equal(TableTransactionActionType.Add, claim.Guard!.ActionType);
        var row = LockRows.FromLock((TableEntity)claim.Guard.Entity);
        Assert.Equal(new LockClaim(Resource, "lock_new", "a", 1, T0, T0.AddSeconds(60)), row.Claim);
        Assert.Equal(1, row.LastFencingToken);
        Assert.Equal([LockRows.ClaimKey("lock_new"), LockRows.ExpiryKey(T0.AddSeconds(60), Resource)], claim.Writes.Select(w => w.Entity.RowKey));
        Assert.All(claim.Writes, w => Assert.Equal(TableTransactionActionType.Add, w.ActionType));
        Assert.Equal(60, LockRows.FromClaim((TableEntity)claim.Writes[0].Entity).TtlSeconds);
        Assert.Equal(["lock.acquired"], claim.Events.Select(e => e.Type));
        Assert.Equal(1, claim.HeldDelta);
        Assert.Equal(new LockResult(true, Resource, "lock_new", 1, T0.AddSeconds(60), null), claim.Result);
    }

    [Fact]
    public void Claiming_a_freed_lock_continues_its_tokens_guarded_by_the_row_read()
    {
        var claim = LockRules.Claim(Swarm, new LockRow(Swarm, Resource, 4, null) { ETag = Read }, ClaimBy("a"), T0);

        Assert.Equal(TableTransactionActionType.UpdateReplace, claim.Guard!.ActionType);
        Assert.Equal(Read, claim.Guard.ETag);
        Assert.Equal(5, claim.Result!.FencingToken);
        Assert.Equal(2, claim.Writes.Count);
        Assert.Equal(1, claim.HeldDelta);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(29)]
    public void Claiming_a_lock_a_live_claim_holds_changes_nothing_and_names_the_holder(int secondsLater)
    {
        var claim = LockRules.Claim(Swarm, HeldRow, ClaimBy("a"), T0.AddSeconds(secondsLater));

        Assert.False(claim.Changes);
        Assert.Equal(new LockResult(false, Resource, null, null, Held.ExpiresAt, "holder"), claim.Result);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(3600)]
    public void Claiming_an_expired_lock_takes_it_over_and_frees_the_old_claim_in_the_same_transaction(int secondsLater)
    {
        var now = T0.AddSeconds(secondsLater);
        var claim = LockRules.Claim(Swarm, HeldRow, ClaimBy("a"), now);

        Assert.Equal((TableTransactionActionType.UpdateReplace, Read), (claim.Guard!.ActionType, claim.Guard.ETag));
        Assert.Equal(5, claim.Result!.FencingToken);
        var deletes = claim.Writes.Where(w => w.ActionType == TableTransactionActionType.Delete).Select(w => w.Entity.RowKey);
        Assert.Equal([LockRows.ClaimKey("lock_old"), LockRows.ExpiryKey(Held.ExpiresAt, Resource)], deletes);
        Assert.Equal(["lock.released", "lock.acquired"], claim.Events.Select(e => e.Type));
        var released = Data(claim.Events[0]);
        Assert.Equal(("lock_old", 4, "holder", "expired"), (released.GetProperty("claimId").GetString(), released.GetProperty("fencingToken").GetInt64(),
            released.GetProperty("holder").GetString(), released.GetProperty("reason").GetString()));
        Assert.Equal(PendingEvent.SystemActor, claim.Events[0].Actor);
        Assert.Equal(0, claim.HeldDelta);
    }

    [Fact]
    public void Renewing_extends_the_claim_from_now_and_moves_its_index_row()
    {
        var now = T0.AddSeconds(20);
        var renewal = LockRules.Renew(ClaimRow, new LockRenewCommand("lock_old", "holder", 120, "holder"), now);

        Assert.Equal((TableTransactionActionType.UpdateReplace, Read), (renewal.Guard!.ActionType, renewal.Guard.ETag));
        Assert.Equal(Held with { ExpiresAt = now.AddSeconds(120) }, LockRows.FromClaim((TableEntity)renewal.Guard.Entity).Claim);
        Assert.Equal(30, LockRows.FromClaim((TableEntity)renewal.Guard.Entity).TtlSeconds);
        Assert.Equal(
            [(TableTransactionActionType.UpdateReplace, LockRows.LockKey(Resource)), (TableTransactionActionType.Add, LockRows.ExpiryKey(now.AddSeconds(120), Resource)),
                (TableTransactionActionType.Delete, LockRows.ExpiryKey(Held.ExpiresAt, Resource))],
            renewal.Writes.Select(w => (w.ActionType, w.Entity.RowKey)));
        Assert.Equal(ETag.All, renewal.Writes[0].ETag);
        Assert.Equal(["lock.renewed"], renewal.Events.Select(e => e.Type));
        Assert.Equal(new LockResult(true, Resource, "lock_old", 4, now.AddSeconds(120), null), renewal.Result);
        Assert.Equal(0, renewal.HeldDelta);
    }

    [Fact]
    public void Renewing_without_a_ttl_uses_the_one_claimed_with_and_keeps_an_unmoved_index_row()
    {
        var renewal = LockRules.Renew(ClaimRow, new LockRenewCommand("lock_old", "holder", null, "holder"), T0);

        Assert.Equal(Held.ExpiresAt, renewal.Result!.ExpiresAt);
        Assert.Equal([LockRows.LockKey(Resource)], renewal.Writes.Select(w => w.Entity.RowKey));
    }

    [Fact]
    public void Renewing_is_refused_to_another_agent_to_a_lost_claim_and_outside_the_ttl_range()
    {
        AssertProblem(ProblemCatalog.NotHolder, () => LockRules.Renew(ClaimRow, new LockRenewCommand("lock_old", "other", null, "other"), T0));
        AssertProblem(ProblemCatalog.LeaseLost, () => LockRules.Renew(ClaimRow, new LockRenewCommand("lock_old", "holder", null, "holder"), Held.ExpiresAt));
        AssertProblem(ProblemCatalog.LeaseLost, () => LockRules.Renew(null, new LockRenewCommand("lock_old", "holder", null, "holder"), T0));
        AssertProblem(ProblemCatalog.ValidationFailed, () => LockRules.Renew(ClaimRow, new LockRenewCommand("lock_old", "holder", 3601, "holder"), T0));
    }

    [Fact]
    public void Releasing_frees_the_lock_guarded_by_the_claim_row_and_keeps_the_last_token()
    {
        var release = LockRules.Release(ClaimRow, new LockReleaseCommand("lock_old", "holder", false, "holder"), T0);

        Assert.Equal((TableTransactionActionType.Delete, LockRows.ClaimKey("lock_old"), Read), (release.Guard!.ActionType, release.Guard.Entity.RowKey, release.Guard.ETag));
        Assert.Equal((TableTransactionActionType.Delete, LockRows.ExpiryKey(Held.ExpiresAt, Resource)), (release.Writes[0].ActionType, release.Writes[0].Entity.RowKey));
        Assert.Equal(TableTransactionActionType.UpsertReplace, release.Writes[1].ActionType);
        Assert.Equal(new LockRow(Swarm, Resource, 4, null), LockRows.FromLock((TableEntity)release.Writes[1].Entity));
        Assert.Equal("released", Data(Assert.Single(release.Events)).GetProperty("reason").GetString());
        Assert.Equal(-1, release.HeldDelta);
        Assert.Null(release.Result);
    }

    [Fact]
    public void Only_a_forced_release_frees_another_agents_claim_and_says_so()
    {
        AssertProblem(ProblemCatalog.NotHolder, () => LockRules.Release(ClaimRow, new LockReleaseCommand("lock_old", "other", false, "other"), T0));
        var forced = LockRules.Release(ClaimRow, new LockReleaseCommand("lock_old", "coordinator", true, "coordinator"), T0);
        Assert.Equal("forced", Data(forced.Events[0]).GetProperty("reason").GetString());
        var own = LockRules.Release(ClaimRow, new LockReleaseCommand("lock_old", "holder", true, "holder"), T0);
        Assert.Equal("released", Data(own.Events[0]).GetProperty("reason").GetString());
    }

    [Fact]
    public void Releasing_an_expired_or_missing_claim_is_a_lost_lease()
    {
        AssertProblem(ProblemCatalog.LeaseLost, () => LockRules.Release(ClaimRow, new LockReleaseCommand("lock_old", "holder", false, "holder"), Held.ExpiresAt));
        AssertProblem(ProblemCatalog.LeaseLost, () => LockRules.Release(null, new LockReleaseCommand("lock_old", "holder", true, "holder"), T0));
    }

    [Fact]
    public void A_departed_members_claim_is_released_even_after_it_expired()
    {
        var release = LockRules.ReleaseDeparted(ClaimRow, "coordinator");

        Assert.Equal(Read, release.Guard!.ETag);
        Assert.Equal(("member_left", "coordinator"), (Data(release.Events[0]).GetProperty("reason").GetString(), release.Events[0].Actor));
        Assert.Equal(-1, release.HeldDelta);
    }

    [Fact]
    public void Expiring_frees_only_an_expired_claim_guarded_by_the_index_row_read()
    {
        var index = new LockExpiryRow(Swarm, Held) { ETag = Read };
        Assert.False(LockRules.Expire(index, Held.ExpiresAt.AddTicks(-1)).Changes);

        var expiry = LockRules.Expire(index, Held.ExpiresAt);
        Assert.Equal((LockRows.ExpiryKey(Held.ExpiresAt, Resource), Read), (expiry.Guard!.Entity.RowKey, expiry.Guard.ETag));
        Assert.Equal((LockRows.ClaimKey("lock_old"), ETag.All), (expiry.Writes[0].Entity.RowKey, expiry.Writes[0].ETag));
        Assert.Equal(new LockRow(Swarm, Resource, 4, null), LockRows.FromLock((TableEntity)expiry.Writes[1].Entity));
        Assert.Equal(("expired", PendingEvent.SystemActor), (Data(expiry.Events[0]).GetProperty("reason").GetString(), expiry.Events[0].Actor));
        Assert.Equal(-1, expiry.HeldDelta);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_resource_is_required(string? resource) =>
        AssertProblem(ProblemCatalog.ValidationFailed, () => LockRules.ValidateResource(resource));

    [Fact]
    public void A_resource_longer_than_the_limit_is_refused() =>
        AssertProblem(ProblemCatalog.ValidationFailed, () => LockRules.ValidateResource(new string('r', LockRows.MaxResourceLength + 1)));

    private static JsonElement Data(PendingEvent pending) => JsonDocument.Parse(pending.Data!).RootElement;

    private static void AssertProblem(ProblemType expected, Func<object> decide) =>
        Assert.Equal(expected, Assert.Throws<ProblemException>(decide).Type);
}
