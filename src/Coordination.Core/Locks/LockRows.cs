using System.Globalization;
using Coordination.Storage.Tables;

namespace Coordination.Core.Locks;

/// <summary>
/// Table shapes of locks (never cross HTTP), in the swarm's partition:
/// <c>lock|{resource}</c> persists forever and carries <c>LastFencingToken</c> (so tokens keep increasing across
/// holders) plus the holder fields, empty when free; <c>lockclaim|{claimId}</c> and
/// <c>lockexp|{expiryTicks:D19}|{resource}</c> exist exactly while the lock is held. Every change to them, and its
/// event, commits in one transaction.
/// </summary>
public static class LockRows
{
    /// <summary>Longest resource name accepted (its encoded key must fit 512 characters with the index prefix).</summary>
    public const int MaxResourceLength = 400;

    /// <summary>The lock row of a resource.</summary>
    public static string LockKey(string resource) => TableKeyCodec.Compose("lock", resource);

    /// <summary>The claim row.</summary>
    public static string ClaimKey(string claimId) => TableKeyCodec.Compose("lockclaim", claimId);

    /// <summary>Prefix of the expiry index.</summary>
    public const string ExpiryPrefix = "lockexp|";

    /// <summary>The expiry index row: sorted by expiry so a sweep is one range query.</summary>
    public static string ExpiryKey(DateTimeOffset expiresAt, string resource) =>
        TableKeyCodec.CheckLength(ExpiryPrefix + expiresAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + TableKeyCodec.Encode(resource));

    /// <summary>Exclusive upper bound of index rows that expired before <paramref name="time"/>.</summary>
    public static string ExpiryBound(DateTimeOffset time) => ExpiryPrefix + time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
