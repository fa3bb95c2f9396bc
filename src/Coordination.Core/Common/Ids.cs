using System.Security.Cryptography;

namespace Coordination.Core.Common;

/// <summary>Opaque ids with a kind prefix (<c>swarm_</c>, <c>evt_</c>, …): 20 random base32 characters (100 bits).</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>A new id such as <c>swarm_4k9x…</c>.</summary>
    public static string New(string prefix) => prefix + "_" + RandomText(20);

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
