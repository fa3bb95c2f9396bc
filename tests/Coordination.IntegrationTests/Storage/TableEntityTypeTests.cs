using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Every supported property type survives a write and a read (point get and query) with its exact CLR type and value.</summary>
public sealed class TableEntityTypeTests : IAsyncLifetime
{
    private const string Pk = "types";
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteAsync();

    public static TheoryData<string, object> Values => new()
    {
        { "string empty", "" },
        { "string ascii", "hello" },
        { "string non-ascii", "Grüße, Ærø, ünïcödé, 日本語, Ελληνικά" },
        { "string emoji", "🙂👍🏽 family 👨‍👩‍👧" },
        { "string json-special", "quote \" backslash \\ slash / tab \t newline \n" },
        { "string 30k chars", string.Concat(Enumerable.Repeat("0123456789", 3_000)) },
        { "bool true", true },
        { "bool false", false },
        { "int32 zero", 0 },
        { "int32 min", int.MinValue },
        { "int32 max", int.MaxValue },
        { "int64 min", long.MinValue },
        { "int64 max", long.MaxValue },
        { "int64 2^53+1", (1L << 53) + 1 },
        { "int64 small", 5L },
        { "double half", 0.5 },
        { "double integral", 5.0 },
        { "double zero", 0.0 },
        { "double negative", -123.456 },
        { "double max", double.MaxValue },
        { "double min", double.MinValue },
        { "double epsilon", double.Epsilon },
        { "double NaN", double.NaN },
        { "double +infinity", double.PositiveInfinity },
        { "double -infinity", double.NegativeInfinity },
        { "datetime utc ticks", new DateTimeOffset(2024, 2, 29, 23, 59, 59, TimeSpan.Zero).AddTicks(1234567) },
        { "datetime min-ish", new DateTimeOffset(1601, 1, 1, 0, 0, 0, TimeSpan.Zero) },
        { "datetime max", new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9999999) },
        { "guid", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e") },
        { "guid empty", Guid.Empty },
        { "binary empty", Array.Empty<byte>() },
        { "binary 64 KiB", Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 31 + 7)).ToArray() },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Value_round_trips_with_its_exact_type_through_get_and_query(string caseName, object value)
    {
        var row = new TableEntity(Pk, "r") { ["V"] = value, ["Case"] = caseName };
        Assert.True((await _table.AddEntityAsync(row)).Succeeded);

        var got = await _table.GetEntityAsync(Pk, "r");
        var queried = await SingleAsync(_table.QueryAsync(TableFilter.Partition(Pk)));

        AssertSameValue(value, got!["V"]);
        AssertSameValue(value, queried["V"]);
    }

    [Fact]
    public async Task Strings_up_to_32k_utf16_units_are_stored_and_longer_ones_are_refused_by_the_service()
    {
        var longest = new string('s', 32 * 1024);

        Assert.True((await _table.AddEntityAsync(new TableEntity(Pk, "max") { ["V"] = longest })).Succeeded);
        var error = await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(
            () => _table.AddEntityAsync(new TableEntity(Pk, "over") { ["V"] = longest + "s" }));

        Assert.Equal(longest, (await _table.GetEntityAsync(Pk, "max"))!.GetString("V"));
        Assert.Equal(400, error.Status);
        Assert.Null(await _table.GetEntityAsync(Pk, "over"));
    }

    [Fact]
    public async Task Negative_zero_reads_back_as_a_double_zero()
    {
        // Azurite formats integral doubles with JavaScript's toFixed(1), which drops the sign of -0,
        // so only "a double equal to zero" is observable here; the client does send "-0".
        await _table.AddEntityAsync(new TableEntity(Pk, "r") { ["V"] = -0.0 });

        var got = await _table.GetEntityAsync(Pk, "r");

        var d = Assert.IsType<double>(got!["V"]);
        Assert.Equal(0.0, d);
    }

    [Fact]
    public async Task A_datetime_with_an_offset_comes_back_as_the_same_instant_in_utc()
    {
        var local = new DateTimeOffset(2024, 6, 1, 12, 30, 15, TimeSpan.FromHours(5.5)).AddTicks(1);
        await _table.AddEntityAsync(new TableEntity(Pk, "r") { ["When"] = local });

        var got = await _table.GetEntityAsync(Pk, "r");
        var queried = await SingleAsync(_table.QueryAsync(TableFilter.Partition(Pk)));

        foreach (var read in new[] { got!, queried })
        {
            var when = Assert.IsType<DateTimeOffset>(read["When"]);
            Assert.Equal(TimeSpan.Zero, when.Offset);
            Assert.Equal(local.UtcTicks, when.UtcTicks);
            Assert.Equal(new DateTimeOffset(2024, 6, 1, 7, 0, 15, TimeSpan.Zero).AddTicks(1), when);
        }
    }

    [Fact]
    public async Task All_types_together_round_trip_on_one_entity()
    {
        var entity = new TableEntity(Pk, "all");
        var values = Values.Select(row => ((string)row[0], row[1])).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            entity[$"P{i}"] = values[i].Item2;
        }
        Assert.True((await _table.AddEntityAsync(entity)).Succeeded);

        var got = await _table.GetEntityAsync(Pk, "all");

        Assert.Equal(values.Length, got!.Count);
        for (var i = 0; i < values.Length; i++)
        {
            AssertSameValue(values[i].Item2, got[$"P{i}"]);
        }
    }

    [Fact]
    public async Task Timestamp_and_etag_come_back_on_query_rows()
    {
        var insert = await _table.AddEntityAsync(new TableEntity(Pk, "r") { ["V"] = 1 });

        var queried = await SingleAsync(_table.QueryAsync(TableFilter.Partition(Pk)));

        Assert.Equal(insert.ETag, queried.ETag);
        Assert.NotNull(queried.Timestamp);
        Assert.InRange(queried.Timestamp.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.False(queried.ContainsKey("Timestamp"));
    }

    private static void AssertSameValue(object expected, object? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case double d:
                // Bit-for-bit: NaN equals NaN, and 5.0 must not come back as Int32 5.
                Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits((double)actual));
                break;
            case DateTimeOffset dto:
                var back = (DateTimeOffset)actual;
                Assert.Equal(dto.UtcTicks, back.UtcTicks);
                Assert.Equal(TimeSpan.Zero, back.Offset);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static async Task<TableEntity> SingleAsync(Azure.AsyncPageable<TableEntity> query)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in query)
        {
            rows.Add(row);
        }
        return Assert.Single(rows);
    }
}
