using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Queries: paging over more than one service page, resuming from a continuation token, filters and <c>$select</c>.</summary>
public sealed class TableQueryTests : IAsyncLifetime
{
    private const string Pk = "page";
    private const int RowCount = 1_537;
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteIfExistsAsync();

    [Theory]
    [InlineData(null)]
    [InlineData(1000)]
    [InlineData(97)]
    public async Task Every_entity_is_yielded_exactly_once_across_pages_of_at_most_max_per_page(int? maxPerPage)
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

        Assert.Equal(expected, rows);
        Assert.True(pages >= (RowCount + (maxPerPage ?? 1000) - 1) / (maxPerPage ?? 1000), $"{pages} pages");
    }

    [Fact]
    public async Task Enumerating_items_follows_continuations_to_the_end()
    {
        var expected = await InsertRowsAsync(RowCount);

        var rows = await _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: 250).ToListAsync();

        Assert.Equal(expected, rows.Select(r => r.RowKey));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(97)]
    public async Task A_pages_continuation_token_resumes_the_query_with_exactly_the_remainder(int? maxPerPage)
    {
        var expected = await InsertRowsAsync(RowCount);
        var seen = new List<string>();
        string? token = null;
        await foreach (var page in _table.QueryAsync(TableFilter.Partition(Pk), maxPerPage: maxPerPage).AsPages())
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
        foreach (var key in new[] { "a", "ab", "ab|1", "ab|2", "ab|zz", "ab}", "abc", "ac", "b" })
        {
            Assert.True((await _table.AddEntityAsync(new TableEntity(Pk, key))).Succeeded);
        }
        await _table.AddEntityAsync(new TableEntity("other", "ab|1"));

        Assert.Equal(["ab|1", "ab|2", "ab|zz"], await _table.RowKeysAsync(TableFilter.RowKeyPrefix(Pk, "ab|")));
    }

    [Fact]
    public async Task Filter_literals_with_single_quotes_match_exactly()
    {
        var pk = "o'neil's";
        await _table.AddEntityAsync(new TableEntity(pk, "it's") { ["Name"] = "'quoted'" });
        await _table.AddEntityAsync(new TableEntity(pk, "its") { ["Name"] = "quoted" });
        await _table.AddEntityAsync(new TableEntity("oneils", "it's"));

        var byKey = await _table.RowKeysAsync($"PartitionKey eq {TableFilter.Literal(pk)} and RowKey eq {TableFilter.Literal("it's")}");
        var byProperty = await _table.RowKeysAsync($"Name eq {TableFilter.Literal("'quoted'")}");
        var byPrefix = await _table.RowKeysAsync(TableFilter.RowKeyPrefix(pk, "it'"));

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
            await _table.AddEntityAsync(new TableEntity(Pk, $"r{i}") { ["Big"] = (1L << 40) + i, ["At"] = t0.AddMinutes(i).AddTicks(1) });
        }

        var byLong = await _table.RowKeysAsync($"{TableFilter.Partition(Pk)} and Big ge {TableFilter.Literal((1L << 40) + 3)}");
        var byDate = await _table.RowKeysAsync($"{TableFilter.Partition(Pk)} and At lt {TableFilter.Literal(t0.AddMinutes(2).AddTicks(1))}");

        Assert.Equal(["r3", "r4"], byLong);
        Assert.Equal(["r0", "r1"], byDate);
    }

    [Fact]
    public async Task Select_on_a_query_returns_the_keys_the_etag_and_only_the_selected_properties()
    {
        var insert = await _table.AddEntityAsync(new TableEntity(Pk, "r") { ["A"] = "a", ["B"] = 2, ["C"] = true });

        var only = Assert.Single(await _table.QueryAsync(TableFilter.Partition(Pk), select: ["B"]).ToListAsync());

        Assert.Equal((Pk, "r"), (only.PartitionKey, only.RowKey));
        Assert.Equal(insert.ETag, only.ETag);
        Assert.Equal(["B"], only.PropertyNames());
        Assert.Equal(2, only.GetInt32("B"));
    }

    [Fact]
    public async Task Select_naming_only_a_key_still_returns_both_keys()
    {
        await _table.AddEntityAsync(new TableEntity(Pk, "r") { ["A"] = "a" });

        var only = Assert.Single(await _table.QueryAsync(TableFilter.Partition(Pk), select: ["RowKey"]).ToListAsync());

        Assert.Equal((Pk, "r"), (only.PartitionKey, only.RowKey));
        Assert.Empty(only.PropertyNames());
    }

    [Fact]
    public void Max_per_page_outside_one_to_a_thousand_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _table.QueryAsync(maxPerPage: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _table.QueryAsync(maxPerPage: 1001));
    }

    /// <summary>Inserts <paramref name="count"/> rows and returns their keys in the service's (ordinal) order.</summary>
    private async Task<List<string>> InsertRowsAsync(int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => $"row{i:D5}").ToList();
        foreach (var chunk in keys.Chunk(TableActions.MaxPerTransaction))
        {
            var result = await _table.SubmitTransactionAsync(chunk.Select(k => TableActions.Add(new TableEntity(Pk, k) { ["N"] = k.Length })).ToList());
            Assert.True(result.Succeeded);
        }
        return keys;
    }
}
