using System.Globalization;
using Azure;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Locks;

/// <summary>A live claim on a resource: who holds it, with which fencing token, until when.</summary>
/// <param name="Resource">The locked resource.</param>
/// <param name="ClaimId">The claim's id, which the holder renews and releases with.</param>
/// <param name="Holder">The agent holding the lock.</param>
/// <param name="FencingToken">The claim's fencing token.</param>
/// <param name="ClaimedAt">When the lock was claimed.</param>
/// <param name="ExpiresAt">When the claim expires unless renewed.</param>
public sealed record LockClaim(string Resource, string ClaimId, string Holder, long FencingToken, DateTimeOffset ClaimedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>True while the claim has not expired at <paramref name="now"/>.</summary>
    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;
}

/// <summary>
/// The <c>lock|{resource}</c> row. It persists forever so fencing tokens keep increasing across holders; while the lock
/// is held it also records the current claim (which may have expired without anybody freeing it yet).
/// </summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="Resource">The resource.</param>
/// <param name="LastFencingToken">The last token handed out (the current claim's while held).</param>
/// <param name="Claim">The current claim; null when the lock is free.</param>
public sealed record LockRow(string SwarmId, string Resource, long LastFencingToken, LockClaim? Claim)
{
    /// <summary>The version read, for a conditional write.</summary>
    public ETag ETag { get; init; }
}

/// <summary>The <c>lockclaim|{claimId}</c> row: exists exactly while the claim holds its lock.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="Claim">The claim.</param>
/// <param name="TtlSeconds">The time-to-live the lock was claimed with (a renew's default).</param>
public sealed record LockClaimRow(string SwarmId, LockClaim Claim, int TtlSeconds)
{
    /// <summary>The version read, for a conditional write.</summary>
    public ETag ETag { get; init; }
}

/// <summary>The <c>lockexp|{expiryTicks:D19}|{resource}</c> index row: exists exactly while the claim holds its lock.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="Claim">The claim it indexes by expiry.</param>
public sealed record LockExpiryRow(string SwarmId, LockClaim Claim)
{
    /// <summary>The version read, for a conditional write.</summary>
    public ETag ETag { get; init; }
}

/// <summary>
/// Keys, filters and the one mapper of the lock rows (<see cref="LockRow"/>, <see cref="LockClaimRow"/>,
/// <see cref="LockExpiryRow"/>), all in the swarm's partition. Every change to them, and its event, commits in one
/// transaction. The only code that names their properties.
/// </summary>
public static class LockRows
{
    /// <summary>Longest resource name accepted (its encoded key must fit 512 characters with the index prefix).</summary>
    public const int MaxResourceLength = 400;

    /// <summary>Prefix of the expiry index.</summary>
    public const string ExpiryPrefix = "lockexp|";

    /// <summary>Holder of a free lock row: the field stays, empty, as every version has stored it.</summary>
    private const string NoHolder = "";

    /// <summary>Only the keys: enough to count rows.</summary>
    public static IReadOnlyList<string> KeysOnly { get; } = ["RowKey"];

    /// <summary>The lock row of a resource.</summary>
    public static string LockKey(string resource) => TableKeyCodec.Compose("lock", resource);

    /// <summary>The claim row.</summary>
    public static string ClaimKey(string claimId) => TableKeyCodec.Compose("lockclaim", claimId);

    /// <summary>The expiry index row: sorted by expiry so a sweep is one range query.</summary>
    public static string ExpiryKey(DateTimeOffset expiresAt, string resource) =>
        TableKeyCodec.CheckLength(ExpiryBound(expiresAt) + "|" + TableKeyCodec.Encode(resource));

    /// <summary>Exclusive upper bound of index rows that expired before <paramref name="time"/>.</summary>
    public static string ExpiryBound(DateTimeOffset time) => ExpiryPrefix + time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Index rows of claims that expired before <paramref name="now"/>, soonest first.</summary>
    public static string ExpiredFilter(string swarmId, DateTimeOffset now) => KeyRange(swarmId, ExpiryPrefix, ExpiryBound(now));

    /// <summary>Index rows of claims that have not expired at <paramref name="now"/>, soonest expiry first.</summary>
    public static string UnexpiredFilter(string swarmId, DateTimeOffset now) => KeyRange(swarmId, ExpiryBound(now), ExpiryPrefix + "~");

    /// <summary>Index rows of the claims <paramref name="holder"/> holds, expired or not.</summary>
    public static string HeldByFilter(string swarmId, string holder) =>
        $"{TableFilter.RowKeyPrefix(swarmId, ExpiryPrefix)} and Holder eq {TableFilter.Literal(holder)}";

    /// <summary>Reads a lock row.</summary>
    public static LockRow FromLock(TableEntity entity)
    {
        var resource = entity.RequiredString("Resource");
        var token = entity.RequiredInt64("LastFencingToken");
        var holder = entity.RequiredString("Holder");
        var claim = holder == NoHolder ? null : new LockClaim(resource, entity.RequiredString("ClaimId"), holder, token,
            entity.RequiredTime("AcquiredAt"), entity.RequiredTime("ExpiresAt"));
        return new LockRow(entity.PartitionKey, resource, token, claim) { ETag = entity.ETag };
    }

    /// <summary>Reads a claim row; its claim id is its key.</summary>
    public static LockClaimRow FromClaim(TableEntity entity)
    {
        var claim = new LockClaim(entity.RequiredString("Resource"), TableKeyCodec.Split(entity.RowKey)[0], entity.RequiredString("Holder"),
            entity.RequiredInt64("FencingToken"), entity.RequiredTime("AcquiredAt"), entity.RequiredTime("ExpiresAt"));
        return new LockClaimRow(entity.PartitionKey, claim, entity.RequiredInt32("Ttl")) { ETag = entity.ETag };
    }

    /// <summary>Reads an expiry index row.</summary>
    public static LockExpiryRow FromExpiry(TableEntity entity)
    {
        var claim = new LockClaim(entity.RequiredString("Resource"), entity.RequiredString("ClaimId"), entity.RequiredString("Holder"),
            entity.RequiredInt64("FencingToken"), entity.RequiredTime("AcquiredAt"), entity.RequiredTime("ExpiresAt"));
        return new LockExpiryRow(entity.PartitionKey, claim) { ETag = entity.ETag };
    }

    /// <summary>The entity of a lock row; a free lock keeps its resource and last token, with an empty holder.</summary>
    public static TableEntity ToEntity(LockRow row)
    {
        var entity = new TableEntity(row.SwarmId, LockKey(row.Resource))
        {
            ["Resource"] = row.Resource, ["LastFencingToken"] = row.LastFencingToken, ["Holder"] = row.Claim?.Holder ?? NoHolder,
        };
        if (row.Claim is { } claim)
        {
            entity["ClaimId"] = claim.ClaimId;
            entity["AcquiredAt"] = claim.ClaimedAt;
            entity["ExpiresAt"] = claim.ExpiresAt;
        }
        return entity;
    }

    /// <summary>The entity of a claim row.</summary>
    public static TableEntity ToEntity(LockClaimRow row) => new(row.SwarmId, ClaimKey(row.Claim.ClaimId))
    {
        ["Resource"] = row.Claim.Resource, ["Holder"] = row.Claim.Holder, ["FencingToken"] = row.Claim.FencingToken,
        ["AcquiredAt"] = row.Claim.ClaimedAt, ["ExpiresAt"] = row.Claim.ExpiresAt, ["Ttl"] = row.TtlSeconds,
    };

    /// <summary>The entity of an expiry index row.</summary>
    public static TableEntity ToEntity(LockExpiryRow row) => new(row.SwarmId, ExpiryKey(row.Claim.ExpiresAt, row.Claim.Resource))
    {
        ["Resource"] = row.Claim.Resource, ["ClaimId"] = row.Claim.ClaimId, ["Holder"] = row.Claim.Holder,
        ["FencingToken"] = row.Claim.FencingToken, ["AcquiredAt"] = row.Claim.ClaimedAt, ["ExpiresAt"] = row.Claim.ExpiresAt,
    };

    private static string KeyRange(string swarmId, string from, string toExclusive) =>
        $"{TableFilter.Partition(swarmId)} and RowKey ge {TableFilter.Literal(from)} and RowKey lt {TableFilter.Literal(toExclusive)}";
}
