using Azure;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>
/// The key codec against the real service: any user string, once encoded, works as a PartitionKey and a RowKey
/// for every kind of operation (body-addressed, URL-addressed, in a batch, in a filter) and decodes back.
/// </summary>
public sealed class TableKeyCodecStorageTests : IAsyncLifetime
{
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteAsync();

    // Keyed by a readable name: the values themselves (controls, lone surrogates) make poor test names.
    private static readonly Dictionary<string, string> UserStrings = new()
    {
        ["empty"] = "",
        ["slash"] = "/",
        ["backslash"] = "\\",
        ["hash"] = "#",
        ["question mark"] = "?",
        ["percent"] = "%",
        ["plus"] = "+",
        ["single quote"] = "'",
        ["two single quotes"] = "''",
        ["separator"] = "|",
        ["escape char"] = "!",
        ["every special"] = "a/b\\c#d?e%f+g'h|i!j",
        ["C0 controls"] = new string(Enumerable.Range(0x00, 0x20).Select(c => (char)c).ToArray()),
        ["DEL and C1 controls"] = new string(Enumerable.Range(0x7F, 0x21).Select(c => (char)c).ToArray()),
        ["lone high surrogate"] = "x\uD83Dy",
        ["lone low surrogate"] = "x\uDE00y",
        ["surrogates reversed"] = "\uDE00\uD83D",
        ["high surrogate at end"] = "end\uD83D",
        ["non-ascii letters"] = "Grüße ÆØÅ çà Ελλάδα 日本語",
        ["emoji"] = "🙂👍🏽👨‍👩‍👧",
        ["spaces"] = "  leading, inner  and trailing  ",
        ["dot"] = ".",
        ["dot dot"] = "..",
        ["trailing dots"] = "name...",
        ["parentheses and comma"] = "f(a,b)=c&d;e",
        ["looks like an escape"] = "!41!u0041!!",
        ["percent-encoded looking"] = "%2F%27%00+%20",
        ["everything"] = "a/\\#?%+'|! \u0000\u001F\u007F\u009F\uD83D\uDE00🙂é",
    };

    public static TheoryData<string> UserStringNames => new(UserStrings.Keys);

    [Theory]
    [MemberData(nameof(UserStringNames))]
    public async Task Encoded_string_works_as_both_keys_for_every_operation_and_decodes_back(string caseName)
    {
        var value = UserStrings[caseName];
        var pk = TableKeyCodec.Encode(value);
        var rk = TableKeyCodec.Compose("row", value, value);

        var insert = await _table.AddEntityAsync(new TableEntity(pk, rk) { ["Case"] = caseName });
        Assert.True(insert.Succeeded, $"insert failed: {insert.Outcome}");

        var got = await _table.GetEntityAsync(pk, rk);
        Assert.NotNull(got);
        Assert.Equal(value, TableKeyCodec.Decode(got.PartitionKey));
        Assert.Equal([value, value], TableKeyCodec.Split(got.RowKey));

        var queried = await RowsAsync(TableFilter.Partition(pk));
        var row = Assert.Single(queried);
        Assert.Equal((pk, rk), (row.PartitionKey, row.RowKey));

        var prefixed = await RowsAsync(TableFilter.RowKeyPrefix(pk, TableKeyCodec.Compose("row", value) + TableKeyCodec.Separator));
        Assert.Single(prefixed);

        var merged = await _table.UpdateEntityAsync(new TableEntity(pk, rk) { ["Merged"] = true }, got.ETag);
        Assert.True(merged.Succeeded, $"merge failed: {merged.Outcome}");

        var batch = await _table.SubmitTransactionAsync([TableActions.Replace(new TableEntity(pk, rk) { ["Batched"] = true }, merged.ETag)]);
        Assert.True(batch.Succeeded, $"batch failed at {batch.FailedIndex}: {batch.ErrorCode}");

        var delete = await _table.DeleteEntityAsync(pk, rk, batch.ETags[0]);
        Assert.True(delete.Succeeded, $"delete failed: {delete.Outcome}");
        Assert.Null(await _table.GetEntityAsync(pk, rk));
    }

    [Fact]
    public async Task Distinct_user_strings_never_collide_once_encoded()
    {
        var values = UserStrings.Values.ToArray();
        foreach (var value in values)
        {
            Assert.True((await _table.AddEntityAsync(new TableEntity("p", TableKeyCodec.Compose("k", value)))).Succeeded);
        }

        var rows = await RowsAsync(TableFilter.Partition("p"));

        Assert.Equal(values.Length, rows.Count);
        Assert.Equal(values.Order(StringComparer.Ordinal), rows.Select(r => Assert.Single(TableKeyCodec.Split(r.RowKey))).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\u0001b")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    public async Task The_service_refuses_raw_forbidden_characters_so_the_codec_is_needed(string raw)
    {
        var error = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.AddEntityAsync(new TableEntity("p", raw)));

        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task The_service_accepts_keys_of_exactly_the_codec_limit_and_refuses_one_more()
    {
        var longest = new string('k', TableKeyCodec.MaxKeyLength);
        var emoji = string.Concat(Enumerable.Repeat("🙂", TableKeyCodec.MaxKeyLength / 2));

        Assert.True((await _table.AddEntityAsync(new TableEntity(longest, longest))).Succeeded);
        Assert.True((await _table.AddEntityAsync(new TableEntity(emoji, emoji))).Succeeded);
        Assert.NotNull(await _table.GetEntityAsync(longest, longest));
        Assert.NotNull(await _table.GetEntityAsync(emoji, emoji));

        var pkTooLong = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.AddEntityAsync(new TableEntity(longest + "k", "r")));
        var rkTooLong = await Assert.ThrowsAnyAsync<RequestFailedException>(() => _table.AddEntityAsync(new TableEntity("p", longest + "k")));
        Assert.Equal(400, pkTooLong.Status);
        Assert.Equal(400, rkTooLong.Status);
    }

    [Fact]
    public void Compose_refuses_a_key_longer_than_the_limit_once_encoded()
    {
        var fits = TableKeyCodec.Compose("k", new string('x', TableKeyCodec.MaxKeyLength - 2));
        var tooLong = Assert.Throws<TableKeyTooLongException>(() => TableKeyCodec.Compose("k", new string('x', TableKeyCodec.MaxKeyLength - 1)));
        // 171 slashes are short raw, but each becomes "!2F": 2 + 513 characters once encoded.
        var expanded = Assert.Throws<TableKeyTooLongException>(() => TableKeyCodec.Compose("k", new string('/', 171)));
        var checkedKey = Assert.Throws<TableKeyTooLongException>(() => TableKeyCodec.CheckLength(new string('a', TableKeyCodec.MaxKeyLength + 1)));

        Assert.Equal(TableKeyCodec.MaxKeyLength, fits.Length);
        Assert.Equal(TableKeyCodec.MaxKeyLength + 1, tooLong.EncodedLength);
        Assert.Equal(2 + 171 * 3, expanded.EncodedLength);
        Assert.Equal(TableKeyCodec.MaxKeyLength + 1, checkedKey.EncodedLength);
        Assert.IsAssignableFrom<ArgumentException>(tooLong);
        Assert.Equal(TableKeyCodec.MaxKeyLength, TableKeyCodec.CheckLength(new string('a', TableKeyCodec.MaxKeyLength)).Length);
    }

    private async Task<List<TableEntity>> RowsAsync(string filter)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync(filter))
        {
            rows.Add(row);
        }
        return rows;
    }
}
