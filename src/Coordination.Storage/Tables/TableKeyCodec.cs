using System.Globalization;
using System.Text;

namespace Coordination.Storage.Tables;

/// <summary>
/// The one reversible mapping from any user string (resource names, state keys, agent ids) to text that is
/// legal inside a PartitionKey or RowKey and safe inside our composite keys.
/// </summary>
/// <remarks>
/// <para>
/// Table keys forbid <c>/ \ # ?</c> and the control characters U+0000–U+001F and U+007F–U+009F. We also
/// escape <c>%</c> and <c>+</c> (URL-addressed operations mangle them), <c>'</c> (OData literal quoting),
/// <c>|</c> (our composite-key separator, so a part can never forge another part) and <c>!</c> (the
/// escape character itself), plus unpaired UTF-16 surrogates (they cannot travel as UTF-8).
/// </para>
/// <para>
/// An escaped code unit is written <c>!XX</c> (two upper-case hex digits) when it is below U+0100 and
/// <c>!uXXXX</c> otherwise. Every other character, including non-ASCII letters and paired surrogates,
/// passes through unchanged, so ordinary names stay readable and keep their order.
/// </para>
/// <para>
/// A key may hold at most <see cref="MaxKeyLength"/> UTF-16 code units (1 KiB) after encoding;
/// <see cref="Compose"/> enforces it with <see cref="TableKeyTooLongException"/>.
/// </para>
/// </remarks>
public static class TableKeyCodec
{
    /// <summary>Maximum length of a PartitionKey or RowKey in UTF-16 code units (1 KiB).</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Separator between the parts of a composite key, e.g. <c>state|{key}</c>.</summary>
    public const char Separator = '|';

    private const char Escape = '!';

    /// <summary>Encodes one user string so it is a legal key fragment that contains no separator.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var firstUnsafe = IndexOfUnsafe(value, 0);
        if (firstUnsafe < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8).Append(value, 0, firstUnsafe);
        for (var i = firstUnsafe; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                sb.Append(c).Append(value[++i]);
            }
            else if (!MustEscape(c))
            {
                sb.Append(c);
            }
            else if (c < 0x100)
            {
                sb.Append(Escape).Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(Escape).Append('u').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    /// <summary>Reverses <see cref="Encode"/>.</summary>
    /// <exception cref="FormatException">The text is not something <see cref="Encode"/> produced.</exception>
    public static string Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var escape = encoded.IndexOf(Escape);
        if (escape < 0)
        {
            return encoded;
        }

        var sb = new StringBuilder(encoded.Length).Append(encoded, 0, escape);
        for (var i = escape; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c != Escape)
            {
                sb.Append(c);
                continue;
            }
            var wide = i + 1 < encoded.Length && encoded[i + 1] == 'u';
            var digits = wide ? 4 : 2;
            var start = wide ? i + 2 : i + 1;
            if (start + digits > encoded.Length ||
                !int.TryParse(encoded.AsSpan(start, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                throw new FormatException($"Malformed escape at position {i} in encoded key.");
            }
            sb.Append((char)code);
            i = start + digits - 1;
        }
        return sb.ToString();
    }

    /// <summary>
    /// Builds a composite key <c>kind|part1|part2…</c>, encoding each part, and enforces the key length limit.
    /// The kind is a fixed ASCII word of ours and is not encoded.
    /// </summary>
    /// <exception cref="TableKeyTooLongException">The encoded key exceeds <see cref="MaxKeyLength"/>.</exception>
    public static string Compose(string kind, params ReadOnlySpan<string> parts)
    {
        var sb = new StringBuilder(kind);
        foreach (var part in parts)
        {
            sb.Append(Separator).Append(Encode(part));
        }
        return CheckLength(sb.ToString());
    }

    /// <summary>Splits a composite key made by <see cref="Compose"/> into its decoded parts (kind excluded).</summary>
    public static string[] Split(string key)
    {
        var pieces = key.Split(Separator);
        return pieces.Skip(1).Select(Decode).ToArray();
    }

    /// <summary>Throws <see cref="TableKeyTooLongException"/> when a finished key is longer than allowed.</summary>
    public static string CheckLength(string key) =>
        key.Length <= MaxKeyLength ? key : throw new TableKeyTooLongException(key.Length);

    private static int IndexOfUnsafe(string value, int start)
    {
        for (var i = start; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            if (MustEscape(c))
            {
                return i;
            }
        }
        return -1;
    }

    private static bool MustEscape(char c) =>
        c < 0x20 || (c >= 0x7F && c <= 0x9F) || char.IsSurrogate(c) ||
        c is '/' or '\\' or '#' or '?' or '%' or '+' or '\'' or Separator or Escape;
}

/// <summary>A table key would exceed the service's 1 KiB limit once encoded.</summary>
public sealed class TableKeyTooLongException(int encodedLength)
    : ArgumentException($"The key is {encodedLength} characters once encoded; the limit is {TableKeyCodec.MaxKeyLength}. Use a shorter name.")
{
    /// <summary>The encoded length that was refused.</summary>
    public int EncodedLength { get; } = encodedLength;
}
