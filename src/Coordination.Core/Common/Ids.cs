using System.Security.Cryptography;

namespace Coordination.Core.Common;

/// <summary>Opaque ids with a kind prefix (<c>swarm_</c>, <c>evt_</c>, …): 20 random base32 characters (100 bits).</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>A new id such as <c>swarm_4k9x…</c>.</summary>
    public static string New(string prefix) => prefix + "_" + RandomText(20);

    /// <summary>
    /// A new id that sorts by creation time: 12 base32 digits of the UTC ticks, then 8 random characters.
    /// Listing rows keyed by such ids pages in creation order.
    /// </summary>
    public static string NewSortable(string prefix, DateTimeOffset now)
    {
        var ticks = (ulong)now.UtcTicks;
        Span<char> time = stackalloc char[13];
        for (var i = time.Length - 1; i >= 0; i--)
        {
            time[i] = Alphabet[(int)(ticks & 31)];
            ticks >>= 5;
        }
        return prefix + "_" + new string(time) + RandomText(8);
    }

    /// <summary>Random text from a 32-symbol alphabet without look-alike letters.</summary>
    public static string RandomText(int length, string alphabet = Alphabet) =>
        string.Create(length, alphabet, static (span, symbols) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = symbols[RandomNumberGenerator.GetInt32(symbols.Length)];
            }
        });
}
