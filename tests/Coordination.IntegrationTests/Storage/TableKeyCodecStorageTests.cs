using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>
/// The key codec against the real service: any user string, once encoded, works as a PartitionKey and a RowKey
/// for every kind of operation (keys in the body, keys in the URL, in a transaction, in a filter) and decodes back.
/// </summary>
public sealed class TableKeyCodecStorageTests : IAsyncLifetime
{
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteIfExistsAsync();

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
    public async Task An_encoded_string_works_as_both_keys_for_every_operation_and_decodes_back(string caseName)
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

        var row = Assert.Single(await _table.QueryAsync(TableFilter.Partition(pk)).ToListAsync());
        Assert.Equal((pk, rk), (row.PartitionKey, row.RowKey));
        Assert.Single(await _table.RowKeysAsync(TableFilter.RowKeyPrefix(pk, TableKeyCodec.Compose("row", value) + TableKeyCodec.Separator)));

        var merged = await _table.UpdateEntityAsync(new TableEntity(pk, rk) { ["Merged"] = true }, got.ETag);
        Assert.True(merged.Succeeded, $"merge failed: {merged.Outcome}");

        var batch = await _table.SubmitTransactionAsync([TableActions.Replace(new TableEntity(pk, rk) { ["Batched"] = true }, merged.ETag)]);
        Assert.True(batch.Succeeded, $"transaction failed at {batch.FailedIndex}: {batch.ErrorCode}");

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

        var keys = await _table.RowKeysAsync(TableFilter.Partition("p"));

        Assert.Equal(values.Order(StringComparer.Ordinal), keys.Select(k => Assert.Single(TableKeyCodec.Split(k))).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\u0001b")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    public async Task The_service_rejects_raw_forbidden_characters_so_the_codec_is_needed(string raw)
    {
        var error = await Assert.ThrowsAsync<StorageRejectedException>(() => _table.AddEntityAsync(new TableEntity("p", raw)));

        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task The_service_accepts_keys_of_exactly_the_codec_limit_and_rejects_one_more()
    {
        var longest = new string('k', TableKeyCodec.MaxKeyLength);
        var emoji = string.Concat(Enumerable.Repeat("🙂", TableKeyCodec.MaxKeyLength / 2));

        Assert.True((await _table.AddEntityAsync(new TableEntity(longest, longest))).Succeeded);
        Assert.True((await _table.AddEntityAsync(new TableEntity(emoji, emoji))).Succeeded);
        Assert.NotNull(await _table.GetEntityAsync(longest, longest));
        Assert.NotNull(await _table.GetEntityAsync(emoji, emoji));

        var pkTooLong = await Assert.ThrowsAsync<StorageRejectedException>(() => _table.AddEntityAsync(new TableEntity(longest + "k", "r")));
        var rkTooLong = await Assert.ThrowsAsync<StorageRejectedException>(() => _table.AddEntityAsync(new TableEntity("p", longest + "k")));
        Assert.Equal((400, 400), (pkTooLong.Status, rkTooLong.Status));
    }
}
