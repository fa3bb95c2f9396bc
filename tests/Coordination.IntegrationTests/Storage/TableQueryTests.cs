using Azure;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Queries: paging over more than one service page, resuming from a continuation token, and filters.</summary>
public sealed class TableQueryTests : IAsyncLifetime
{
    private const string Pk = "page";
    private const int RowCount = 1_537;
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Theory]
    [InlineData(null)]
    [InlineData(1000)]
    [InlineData(97)]
    public async Task Every_entity_is_yielded_exactly_once_across_pages(int? maxPerPage)
    {
        var expected = await InsertRowsAsync(RowCount);

        var rows = new List<string>();
        var pages = 0;
        await foreach (var page in _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: maxPerPage).AsPages())
        {
            pages++;
            Assert.True(pages <= RowCount, "the query kept paging past the number of rows");
            Assert.InRange(page.Values.Count, 0, maxPerPage ?? 1000);
            Assert.True(page.ContinuationToken is not null || rows.Count + page.Values.Count == RowCount, "a page without a continuation ended the query early");
            rows.AddRange(page.Values.Select(r => r.RowKey));
        }

        Assert.Equal(RowCount, rows.Count);
        Assert.Equal(expected, rows.ToHashSet());
        Assert.Equal(expected.Order(StringComparer.Ordinal), rows);
        Assert.True(pages >= (RowCount + (maxPerPage ?? 1000) - 1) / (maxPerPage ?? 1000));
    }

    [Fact]
    public async Task Enumerating_items_follows_continuations_to_the_end()
    {
        var expected = await InsertRowsAsync(RowCount);

        var rows = new List<string>();
        await foreach (var row in _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: 250))
        {
            rows.Add(row.RowKey);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), rows);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(97)]
    public async Task Resuming_from_a_pages_continuation_token_yields_exactly_the_remainder(int? maxPerPage)
    {
        var expected = (await InsertRowsAsync(RowCount)).Order(StringComparer.Ordinal).ToList();
        var query = _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: maxPerPage);
        var seen = new List<string>();
        string? token = null;
        await foreach (var page in query.AsPages())
        {
            seen.AddRange(page.Values.Select(r => r.RowKey));
            token = page.ContinuationToken;
            if (seen.Count >= RowCount / 3)
            {
                break;
            }
        }
        Assert.NotNull(token);

        var rest = new List<string>();
        await foreach (var page in _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: maxPerPage).AsPages(token))
        {
            rest.AddRange(page.Values.Select(r => r.RowKey));
        }

        Assert.Equal(expected.Skip(seen.Count), rest);
        Assert.Equal(expected, seen.Concat(rest));
    }

    [Fact]
    public async Task A_page_size_hint_on_as_pages_overrides_max_per_page()
    {
        await InsertRowsAsync(250);

        var sizes = new List<int>();
        await foreach (var page in _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: 1000).AsPages(pageSizeHint: 100))
        {
            sizes.Add(page.Values.Count);
        }

        Assert.Equal([100, 100, 50], sizes);
    }

    [Fact]
    public async Task Row_key_prefix_selects_exactly_the_rows_that_start_with_it()
    {
        string[] keys = ["a", "ab", "ab|1", "ab|2", "ab|zz", "ab}", "abc", "ac", "b"];
        await AddAllAsync(keys);
        await _table.AddEntityAsync(new TableEntity("other", "ab|1"));

        var matched = await RowKeysAsync(TableFilter.RowKeyPrefix(Pk, "ab|"));

        Assert.Equal(["ab|1", "ab|2", "ab|zz"], matched);
    }

    [Fact]
    public async Task Filter_literals_with_single_quotes_match_exactly()
    {
        var pk = "o'neil's";
        await _table.AddEntityAsync(new TableEntity(pk, "it's") { ["Name"] = "'quoted'" });
        await _table.AddEntityAsync(new TableEntity(pk, "its") { ["Name"] = "quoted" });
        await _table.AddEntityAsync(new TableEntity("oneils", "it's"));

        var byKey = await RowKeysAsync($"PartitionKey eq {TableFilter.Literal(pk)} and RowKey eq {TableFilter.Literal("it's")}");
        var byProperty = await RowKeysAsync($"Name eq {TableFilter.Literal("'quoted'")}");
        var byPrefix = await RowKeysAsync(TableFilter.RowKeyPrefix(pk, "it'"));

        Assert.Equal(["it's"], byKey);
        Assert.Equal(["it's"], byProperty);
        Assert.Equal(["it's"], byPrefix);
    }

    [Fact]
    public async Task Typed_filter_literals_compare_as_their_types()
    {
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5; i++)
        {
            await _table.AddEntityAsync(new TableEntity(Pk, $"r{i}") { ["Big"] = (1L << 40) + i, ["At"] = t0.AddMinutes(i) });
        }

        var byLong = await RowKeysAsync($"{TableFilter.Partition(Pk)} and Big ge {TableFilter.Literal((1L << 40) + 3)}");
        var byDate = await RowKeysAsync($"{TableFilter.Partition(Pk)} and At lt {TableFilter.Literal(t0.AddMinutes(2))}");

        Assert.Equal(["r3", "r4"], byLong);
        Assert.Equal(["r0", "r1"], byDate);
    }

    [Fact]
    public async Task Select_on_a_query_returns_the_keys_and_only_the_selected_properties()
    {
        await _table.AddEntityAsync(new TableEntity(Pk, "r") { ["A"] = "a", ["B"] = 2, ["C"] = true });

        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync(TableFilter.Partition(Pk), select: ["B"]))
        {
            rows.Add(row);
        }

        var only = Assert.Single(rows);
        Assert.Equal(Pk, only.PartitionKey);
        Assert.Equal("r", only.RowKey);
        Assert.NotEqual(default, only.ETag);
        Assert.Equal(["B"], only.Select(p => p.Key).ToArray());
        Assert.Equal(2, only.GetInt32("B"));
    }

    [Fact]
    public void Max_per_page_outside_one_to_a_thousand_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _table.QueryAsync(maxPerPage: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _table.QueryAsync(maxPerPage: 1001));
    }

    private async Task<HashSet<string>> InsertRowsAsync(int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => $"row{i:D5}").ToList();
        foreach (var chunk in keys.Chunk(100))
        {
            var result = await _table.SubmitTransactionAsync(chunk.Select(k => TableActions.Add(new TableEntity(Pk, k) { ["N"] = k.Length })).ToList());
            Assert.True(result.Succeeded);
        }
        return keys.ToHashSet();
    }

    private async Task AddAllAsync(IEnumerable<string> rowKeys)
    {
        foreach (var key in rowKeys)
        {
            Assert.True((await _table.AddEntityAsync(new TableEntity(Pk, key))).Succeeded);
        }
    }

    private async Task<List<string>> RowKeysAsync(string filter)
    {
        var keys = new List<string>();
        await foreach (var row in _table.QueryAsync(filter))
        {
            keys.Add(row.RowKey);
        }
        return keys;
    }
}
