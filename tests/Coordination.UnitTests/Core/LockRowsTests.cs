using Azure;
using Azure.Data.Tables;
using Coordination.Core.Common;
using Coordination.Core.Locks;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Core;

public sealed class LockRowsTests
{
    private static readonly DateTimeOffset ClaimedAt = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly LockClaim Claim = new("file:src/a|b #?.ts", "lock_abc", "agent-1", 7, ClaimedAt, ClaimedAt.AddSeconds(60));

    [Fact]
    public void A_held_lock_row_round_trips()
    {
        var row = new LockRow("swarm_x", Claim.Resource, 7, Claim);
        var entity = LockRows.ToEntity(row);
        Assert.Equal(LockRows.LockKey(Claim.Resource), entity.RowKey);
        Assert.Equal(row, LockRows.FromLock(entity));
    }

    [Fact]
    public void A_free_lock_row_round_trips_with_its_last_token_and_an_empty_holder()
    {
        var row = new LockRow("swarm_x", Claim.Resource, 7, null);
        var entity = LockRows.ToEntity(row);
        Assert.Equal(string.Empty, entity.GetString("Holder"));
        Assert.False(entity.ContainsKey("ClaimId"));
        Assert.False(entity.ContainsKey("ExpiresAt"));
        Assert.Equal(row, LockRows.FromLock(entity));
    }

    [Fact]
    public void A_claim_row_round_trips_and_takes_its_claim_id_from_its_key()
    {
        var row = new LockClaimRow("swarm_x", Claim, 60);
        var entity = LockRows.ToEntity(row);
        Assert.Equal(LockRows.ClaimKey("lock_abc"), entity.RowKey);
        Assert.False(entity.ContainsKey("ClaimId"));
        Assert.Equal(row, LockRows.FromClaim(entity));
    }

    [Fact]
    public void An_expiry_row_round_trips_under_a_key_sorted_by_expiry()
    {
        var row = new LockExpiryRow("swarm_x", Claim);
        var entity = LockRows.ToEntity(row);
        Assert.Equal(LockRows.ExpiryKey(Claim.ExpiresAt, Claim.Resource), entity.RowKey);
        Assert.Equal(row, LockRows.FromExpiry(entity));
        Assert.True(string.CompareOrdinal(LockRows.ExpiryKey(ClaimedAt.AddSeconds(9), "z"), LockRows.ExpiryKey(ClaimedAt.AddSeconds(10), "a")) < 0);
    }

    [Fact]
    public void Reading_keeps_the_etag_for_a_conditional_write()
    {
        var entity = LockRows.ToEntity(new LockClaimRow("swarm_x", Claim, 60));
        entity.ETag = new ETag("W/\"1\"");
        Assert.Equal(new ETag("W/\"1\""), LockRows.FromClaim(entity).ETag);
    }

    [Theory]
    [InlineData("Resource")]
    [InlineData("LastFencingToken")]
    [InlineData("Holder")]
    [InlineData("ClaimId")]
    [InlineData("AcquiredAt")]
    [InlineData("ExpiresAt")]
    public void A_held_lock_row_without_a_required_property_fails_loudly(string property) =>
        AssertFailsWithout(LockRows.ToEntity(new LockRow("swarm_x", Claim.Resource, 7, Claim)), property, e => LockRows.FromLock(e));

    [Theory]
    [InlineData("Resource")]
    [InlineData("Holder")]
    [InlineData("FencingToken")]
    [InlineData("AcquiredAt")]
    [InlineData("ExpiresAt")]
    [InlineData("Ttl")]
    public void A_claim_row_without_a_required_property_fails_loudly(string property) =>
        AssertFailsWithout(LockRows.ToEntity(new LockClaimRow("swarm_x", Claim, 60)), property, e => LockRows.FromClaim(e));

    [Theory]
    [InlineData("Resource")]
    [InlineData("ClaimId")]
    [InlineData("Holder")]
    [InlineData("FencingToken")]
    [InlineData("AcquiredAt")]
    [InlineData("ExpiresAt")]
    public void An_expiry_row_without_a_required_property_fails_loudly(string property) =>
        AssertFailsWithout(LockRows.ToEntity(new LockExpiryRow("swarm_x", Claim)), property, e => LockRows.FromExpiry(e));

    [Fact]
    public void Filters_select_index_rows_by_expiry_and_quote_the_holder()
    {
        var now = ClaimedAt;
        var bound = LockRows.ExpiryBound(now);
        Assert.Equal($"PartitionKey eq 's' and RowKey ge 'lockexp|' and RowKey lt '{bound}'", LockRows.ExpiredFilter("s", now));
        Assert.Equal($"PartitionKey eq 's' and RowKey ge '{bound}' and RowKey lt 'lockexp|~'", LockRows.UnexpiredFilter("s", now));
        Assert.EndsWith("and Holder eq 'o''neil'", LockRows.HeldByFilter("s", "o'neil"));
    }

    private static void AssertFailsWithout(TableEntity entity, string property, Func<TableEntity, object> read)
    {
        Assert.True(entity.ContainsKey(property), $"the row writes {property}");
        entity[property] = null;
        var failure = Assert.Throws<StoredRowException>(() => read(entity));
        Assert.Contains(property, failure.Message);
    }
}
