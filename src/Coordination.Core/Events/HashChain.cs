using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Coordination.Core.Events;

/// <summary>
/// The tamper-evident chain: hash(n) = SHA-256 over hash(n-1) and event n's fields, each on its own line
/// (sequence, id, source, type, subject, time in ISO 8601 with 7 fractional digits, actor, data), hex.
/// Changing, removing or reordering any event breaks every later hash.
/// </summary>
public static class HashChain
{
    /// <summary>The hash of an event about to become <paramref name="sequence"/> in <paramref name="swarmId"/>'s log.</summary>
    public static string Compute(string prevHash, long sequence, string swarmId, EventContent content) =>
        Compute(prevHash, sequence, content.EventId, EventRows.SourceOf(swarmId), content.Type, content.Subject, content.Time, content.Actor, content.Data);

    /// <summary>Recomputes an event's hash from its fields, to verify the chain.</summary>
    public static string Compute(SwarmEvent e) =>
        Compute(e.PrevHash, e.Sequence, e.Id, e.Source, e.Type, e.Subject, e.Time, e.Actor, e.Data?.GetRawText());

    private static string Compute(string prevHash, long sequence, string id, string source, string type, string? subject, DateTimeOffset time, string actor, string? data)
    {
        var text = string.Join('\n',
            prevHash,
            sequence.ToString(CultureInfo.InvariantCulture),
            id, source, type, subject ?? string.Empty,
            time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            actor, data ?? string.Empty);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
