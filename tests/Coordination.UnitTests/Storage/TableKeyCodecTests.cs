using System.Globalization;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Storage;

public sealed class TableKeyCodecTests
{
    // What the notes (§2.8) and the codec's contract say must never appear raw in a key fragment.
    private const string ForbiddenPunctuation = "/\\#?%+'|!";

    [Theory]
    [InlineData("/", "!2F")]
    [InlineData("\\", "!5C")]
    [InlineData("#", "!23")]
    [InlineData("?", "!3F")]
    [InlineData("%", "!25")]
    [InlineData("+", "!2B")]
    [InlineData("'", "!27")]
    [InlineData("|", "!7C")]
    [InlineData("!", "!21")]
    [InlineData("\0", "!00")]
    [InlineData("\t", "!09")]
    [InlineData("\u001F", "!1F")]
    [InlineData("\u007F", "!7F")]
    [InlineData("\u0080", "!80")]
    [InlineData("\u009F", "!9F")]
    [InlineData("tasks/a#1?x", "tasks!2Fa!231!3Fx")]
    [InlineData("O'Brien+50%", "O!27Brien!2B50!25")]
    public void Encode_escapes_special_characters_to_the_documented_form(string raw, string expected)
    {
        Assert.Equal(expected, TableKeyCodec.Encode(raw));
        Assert.Equal(raw, TableKeyCodec.Decode(expected));
    }

    [Fact]
    public void Encode_escapes_lone_surrogates_as_wide_escapes()
    {
        // Kept out of [InlineData]: theory arguments are serialized as UTF-8 and lone surrogates do not survive.
        (string Raw, string Expected)[] cases =
        [
            ("\uD800", "!uD800"), ("\uDBFF", "!uDBFF"), ("\uDC00", "!uDC00"), ("\uDFFF", "!uDFFF"),
            ("\uDC00\uD83D", "!uDC00!uD83D"), ("a\uD83D", "a!uD83D"), ("\uD83Dé", "!uD83Dé"),
            ("\uD83D\uD83D\uDE00", "!uD83D\uD83D\uDE00"),
        ];
        foreach (var (raw, expected) in cases)
        {
            Assert.Equal(expected, TableKeyCodec.Encode(raw));
            Assert.Equal(raw, TableKeyCodec.Decode(expected));
        }
    }

    [Fact]
    public void Every_single_code_unit_is_either_passed_through_or_escaped_as_documented()
    {
        for (var code = 0; code <= char.MaxValue; code++)
        {
            var c = (char)code;
            var mustEscape = c < 0x20 || (c >= 0x7F && c <= 0x9F) || char.IsSurrogate(c) || ForbiddenPunctuation.Contains(c);
            var expected = !mustEscape ? c.ToString()
                : c < 0x100 ? "!" + code.ToString("X2", CultureInfo.InvariantCulture)
                : "!u" + code.ToString("X4", CultureInfo.InvariantCulture);

            var encoded = TableKeyCodec.Encode(c.ToString());

            Assert.True(expected == encoded, $"U+{code:X4} encoded as '{encoded}', expected '{expected}'.");
            Assert.Equal(c.ToString(), TableKeyCodec.Decode(encoded));
        }
    }

    [Theory]
    [InlineData("swarm-1")]
    [InlineData("Agent_42.worker")]
    [InlineData("with space and ~tilde~")]
    [InlineData("")]
    [InlineData("café naïve")]
    [InlineData("日本語のキー")]
    [InlineData("emoji 😀 and 👩‍💻")]
    [InlineData("\u00A0nbsp")]
    public void Encode_passes_ordinary_and_non_ascii_text_through_unchanged(string raw)
    {
        Assert.Same(raw, TableKeyCodec.Encode(raw));
        Assert.Same(raw, TableKeyCodec.Decode(raw));
    }

    [Fact]
    public void Decode_reverses_Encode_for_thousands_of_nasty_strings()
    {
        foreach (var raw in NastyCorpus(seed: 20240101, count: 5000))
        {
            var encoded = TableKeyCodec.Encode(raw);

            Assert.Equal(raw, TableKeyCodec.Decode(encoded));
            AssertLegalFragment(encoded);
        }
    }

    [Fact]
    public void Encoded_text_never_contains_a_character_the_service_or_our_composite_keys_reserve()
    {
        foreach (var raw in NastyCorpus(seed: 7, count: 3000))
        {
            var encoded = TableKeyCodec.Encode(raw);

            var at = encoded.AsSpan().IndexOfAny("|%+'#?/\\");
            Assert.True(at < 0, $"'{encoded}' holds '{(at < 0 ? ' ' : encoded[at])}' at {at}.");
        }
    }

    [Theory]
    [InlineData("!")]
    [InlineData("!4")]
    [InlineData("!ZZ")]
    [InlineData("!u12")]
    [InlineData("!u")]
    [InlineData("!uZZZZ")]
    [InlineData("abc!")]
    [InlineData("ok!2")]
    [InlineData("!-1")]
    public void Decode_refuses_malformed_escapes(string encoded)
    {
        Assert.Throws<FormatException>(() => TableKeyCodec.Decode(encoded));
    }

    [Fact]
    public void Compose_joins_encoded_parts_with_the_separator_after_the_kind()
    {
        Assert.Equal("state|config|a!2Fb", TableKeyCodec.Compose("state", "config", "a/b"));
        Assert.Equal("kind", TableKeyCodec.Compose("kind"));
        Assert.Equal("kind|", TableKeyCodec.Compose("kind", ""));
    }

    [Fact]
    public void A_part_containing_the_separator_cannot_forge_a_second_part()
    {
        var forged = TableKeyCodec.Compose("lock", "a|b");
        var genuine = TableKeyCodec.Compose("lock", "a", "b");

        Assert.NotEqual(genuine, forged);
        Assert.Equal(["a|b"], TableKeyCodec.Split(forged));
        Assert.Equal(["a", "b"], TableKeyCodec.Split(genuine));
    }

    [Fact]
    public void Split_reverses_Compose_for_nasty_parts()
    {
        var corpus = NastyCorpus(seed: 99, count: 3000).ToList();
        for (var i = 0; i + 2 < corpus.Count; i += 3)
        {
            string[] parts = [corpus[i], corpus[i + 1], corpus[i + 2]];
            var key = TableKeyCodec.Compose("k", parts);

            Assert.Equal(parts, TableKeyCodec.Split(key));
        }
        Assert.Empty(TableKeyCodec.Split("kind"));
    }

    [Fact]
    public void Compose_accepts_a_key_of_exactly_the_limit()
    {
        var key = TableKeyCodec.Compose("k", new string('x', TableKeyCodec.MaxKeyLength - 2));

        Assert.Equal(512, key.Length);
    }

    [Fact]
    public void Compose_refuses_a_key_one_past_the_limit_naming_both_lengths()
    {
        var error = Assert.Throws<TableKeyTooLongException>(() => TableKeyCodec.Compose("k", new string('x', TableKeyCodec.MaxKeyLength - 1)));

        Assert.Equal(513, error.EncodedLength);
        Assert.Contains("513", error.Message);
        Assert.Contains("512", error.Message);
    }

    [Fact]
    public void The_limit_applies_to_the_encoded_length_not_the_raw_length()
    {
        // 170 slashes encode to 510 characters: "k|" + 510 = 512. One more slash is 515.
        Assert.Equal(512, TableKeyCodec.Compose("k", new string('/', 170)).Length);
        var error = Assert.Throws<TableKeyTooLongException>(() => TableKeyCodec.Compose("k", new string('/', 171)));
        Assert.Equal(515, error.EncodedLength);
    }

    [Fact]
    public void Ordinal_order_is_kept_among_strings_that_need_no_escaping()
    {
        var random = new Random(4242);
        const string safe = "AZaz09-_. ~éß日😀";
        for (var i = 0; i < 2000; i++)
        {
            var a = Draw(random, safe, random.Next(0, 8));
            var b = Draw(random, safe, random.Next(0, 8));

            var raw = Math.Sign(string.CompareOrdinal(a, b));
            Assert.Equal(raw, Math.Sign(string.CompareOrdinal(TableKeyCodec.Encode(a), TableKeyCodec.Encode(b))));
            Assert.Equal(raw, Math.Sign(string.CompareOrdinal(TableKeyCodec.Compose("k", a), TableKeyCodec.Compose("k", b))));
        }
    }

    private static void AssertLegalFragment(string encoded)
    {
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            Assert.False(c < 0x20 || (c >= 0x7F && c <= 0x9F), $"Control character U+{(int)c:X4} at {i} in '{encoded}'.");
            Assert.False("|%+'#?/\\".Contains(c), $"Reserved '{c}' at {i} in '{encoded}'.");
            if (char.IsHighSurrogate(c))
            {
                Assert.True(i + 1 < encoded.Length && char.IsLowSurrogate(encoded[i + 1]), $"Lone high surrogate at {i}.");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(c), $"Lone low surrogate at {i}.");
            }
        }
    }

    /// <summary>Deterministic strings built from tokens that stress every branch: escapes, look-alike escapes, surrogates.</summary>
    private static IEnumerable<string> NastyCorpus(int seed, int count)
    {
        string[] tokens =
        [
            "a", "Z", "0", "9", "u", "U", "D", "F", " ", "-", "~",
            "!", "!u", "!2", "!u00", "!!", "|", "||", "/", "\\", "#", "?", "%", "%2F", "+", "'", "''",
            "\0", "\t", "\n", "\u001F", "\u007F", "\u0080", "\u009F", "\u00A0", "é", "日", "\uFFFF",
            "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "😀", "👩‍💻",
        ];
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var length = random.Next(0, 24);
            var parts = new string[length];
            for (var j = 0; j < length; j++)
            {
                parts[j] = tokens[random.Next(tokens.Length)];
            }
            yield return string.Concat(parts);
        }
    }

    private static string Draw(Random random, string alphabet, int length)
    {
        // Draw whole text elements so a surrogate pair is never split.
        var elements = StringInfo.GetTextElementEnumerator(alphabet);
        var pool = new List<string>();
        while (elements.MoveNext())
        {
            pool.Add(elements.GetTextElement());
        }
        return string.Concat(Enumerable.Range(0, length).Select(_ => pool[random.Next(pool.Count)]));
    }
}
