using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Interop;

/// <summary>
/// Our table layer (on Azure.Data.Tables) and the official <c>@azure/data-tables</c> SDK (tests/node/tables-interop.mjs) on the same
/// Azurite table: every property type round-trips both ways with its type intact, ETags are interchangeable,
/// and keys with non-ASCII and codec-escaped characters address the same rows. Each test uses its own table.
/// </summary>
public sealed class TablesInteropTests : IAsyncLifetime
{
    private const string Script = "tables-interop.mjs";

    // Keys as the app builds them: user text through the codec, non-ASCII kept, '/', '#', '?', '%', '+', ''', '|', '!' escaped.
    private static readonly string PartitionKey = TableKeyCodec.Compose("swarm", "team/ä 東京 🚀", "it's #1?");
    private static readonly string RowKey = TableKeyCodec.Encode("agent 100% + co|x\\y!");

    private static readonly DateTimeOffset Ticks = new DateTimeOffset(2024, 2, 29, 12, 34, 56, TimeSpan.Zero).AddTicks(1234567);

    /// <summary>Every CLR type our layer writes, including the edges of each.</summary>
    private static readonly (string Name, object Value)[] OurProperties =
    [
        ("Text", "plain ascii"),
        ("TextUnicode", "Zürich – 東京 – ñ – 🚀"),
        ("TextEmpty", ""),
        ("TextLooksNumeric", "42"),
        ("TextEscapes", "quote ' double \" backslash \\ newline \n tab \t"),
        ("Flag", true),
        ("FlagFalse", false),
        ("Int32", 42),
        ("Int32Min", int.MinValue),
        ("Int32Max", int.MaxValue),
        ("Int64Small", 5L),
        ("Int64Big", 9007199254740993L),
        ("Int64Min", long.MinValue),
        ("Int64Max", long.MaxValue),
        ("Double", 1.5),
        ("DoubleTenth", 0.1),
        ("DoubleNegative", -2.5e-10),
        ("DoubleMax", double.MaxValue),
        ("DoubleTiny", double.Epsilon),
        ("DoubleWhole", 5.0),
        ("DoubleNaN", double.NaN), // infinities the .NET SDK cannot write (TableEntityTypeTests); the JS SDK's are read below
        ("When", Ticks),
        ("WhenWithOffset", new DateTimeOffset(2024, 3, 1, 1, 0, 0, TimeSpan.FromHours(2))),
        ("Id", Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff")),
        ("Bytes", new byte[] { 0, 1, 2, 253, 254, 255 }),
        ("BytesEmpty", Array.Empty<byte>()),
    ];

    /// <summary>What the script writes (tests/node/tables-interop.mjs, ALL_TYPES), as our layer must read it.</summary>
    private static readonly (string Name, object Value)[] SdkProperties =
    [
        ("Text", "plain ascii"),
        ("TextUnicode", "Zürich – 東京 – ñ – 🚀"),
        ("TextEmpty", ""),
        ("TextLooksNumeric", "42"),
        ("Flag", true),
        ("FlagFalse", false),
        ("Int32", 42),
        ("Int32Min", int.MinValue),
        ("Int64Small", 5L), // small, yet Int64 on the wire: must not narrow to int
        ("Int64Big", 9007199254740993L), // beyond 2^53: must not pass through a double
        ("Int64Min", long.MinValue),
        ("Int64Max", long.MaxValue),
        ("Double", 1.5),
        ("DoubleTyped", 0.1),
        ("DoubleWhole", 5.0), // the service returns it untagged as 5.0: must stay double, not become int
        ("DoubleNegative", -2.5e-10),
        ("DateJs", DateTimeOffset.Parse("2024-02-29T12:34:56.789Z", CultureInfo.InvariantCulture)),
        ("DateTicks", Ticks),
        ("Id", Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff")),
        ("Bytes", new byte[] { 0, 1, 2, 253, 254, 255 }),
        ("BytesEmpty", Array.Empty<byte>()),
    ];

    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteIfExistsAsync();

    [Fact]
    public async Task Every_type_our_layer_writes_reads_back_identically_through_the_official_js_sdk()
    {
        var add = await _table.AddEntityAsync(NewEntity(PartitionKey, RowKey));
        Assert.Equal(StorageOutcome.Succeeded, add.Outcome);
        // The same properties through a transaction: the $batch body serializes them separately.
        var batchRowKey = RowKey + "-batch";
        var batch = await _table.SubmitTransactionAsync([TableActions.UpsertReplace(NewEntity(PartitionKey, batchRowKey))]);
        Assert.True(batch.Succeeded);

        var seen = await SdkReadAsync(_table.Name, (PartitionKey, RowKey), (PartitionKey, batchRowKey), (PartitionKey, "absent"));

        Assert.Equal(3, seen.GetArrayLength());
        Assert.Equal(JsonValueKind.Null, seen[2].ValueKind);
        await AssertSdkReadAsync(seen[0], RowKey, add.ETag);
        await AssertSdkReadAsync(seen[1], batchRowKey, batch.ETags[0]);
    }

    [Fact]
    public async Task Every_type_the_official_js_sdk_writes_reads_back_through_our_layer_with_the_exact_clr_type_and_value()
    {
        var written = await RunScriptAsync(_table.Name, "write", PartitionKey, RowKey);
        var specialsRowKey = RowKey + "-specials";
        Assert.Equal([RowKey, specialsRowKey], written.EnumerateArray().Select(e => e.GetProperty("rowKey").GetString()));

        var all = (await _table.GetEntityAsync(PartitionKey, RowKey))!;
        AssertExactly(SdkProperties, all);
        AssertExactly(
            [("NotANumber", double.NaN), ("PositiveInfinity", double.PositiveInfinity), ("NegativeInfinity", double.NegativeInfinity)],
            (await _table.GetEntityAsync(PartitionKey, specialsRowKey))!);

        // The ETag the SDK got on write is the row's, and our conditional writes accept it verbatim.
        var sdkETag = new ETag(written[0].GetProperty("etag").GetString()!);
        Assert.Equal(sdkETag, all.ETag);
        AssertRecent(all.Timestamp);
        var update = await _table.UpdateEntityAsync(new TableEntity(PartitionKey, RowKey) { ["Text"] = "changed by .NET" }, sdkETag);
        Assert.Equal(StorageOutcome.Succeeded, update.Outcome);
        Assert.NotEqual(sdkETag, update.ETag);
        var stale = await _table.UpdateEntityAsync(new TableEntity(PartitionKey, RowKey) { ["Text"] = "stale" }, sdkETag);
        Assert.Equal(StorageOutcome.PreconditionFailed, stale.Outcome);

        // A range query over the escaped partition finds both rows, and their keys decode to the user's text.
        var rows = await _table.QueryAsync(TableFilter.Partition(PartitionKey)).ToListAsync();
        Assert.Equal([RowKey, specialsRowKey], rows.Select(r => r.RowKey));
        Assert.Equal("agent 100% + co|x\\y!", TableKeyCodec.Decode(rows[0].RowKey));
        Assert.Equal(update.ETag, rows[0].ETag);
    }

    /// <summary>What the SDK read for a row we wrote: the same keys, our ETag verbatim, the service's timestamp, every property.</summary>
    private async Task AssertSdkReadAsync(JsonElement entity, string rowKey, ETag etag)
    {
        Assert.Equal(PartitionKey, entity.GetProperty("partitionKey").GetString());
        Assert.Equal(rowKey, entity.GetProperty("rowKey").GetString());
        Assert.Equal(["team/ä 東京 🚀", "it's #1?"], TableKeyCodec.Split(entity.GetProperty("partitionKey").GetString()!));
        // ETags are opaque: the string our write returned is the one the SDK reads, byte for byte.
        Assert.Equal(etag.ToString(), entity.GetProperty("etag").GetString());
        var ours = (await _table.GetEntityAsync(PartitionKey, rowKey))!;
        var sdkTimestamp = ParseInstant(entity.GetProperty("timestamp").GetString()!);
        Assert.Equal(ours.Timestamp, (DateTimeOffset?)sdkTimestamp);
        AssertRecent(sdkTimestamp);

        var properties = entity.GetProperty("properties");
        Assert.Equal(OurProperties.Select(p => p.Name).Order(StringComparer.Ordinal), properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var (name, value) in OurProperties)
        {
            AssertSdkSees(value, properties.GetProperty(name), name);
        }
    }

    private static TableEntity NewEntity(string partitionKey, string rowKey)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        foreach (var (name, value) in OurProperties)
        {
            entity[name] = value;
        }
        return entity;
    }

    /// <summary>What the SDK reports for a value we wrote: its EDM type and the value as a string.</summary>
    private static void AssertSdkSees(object value, JsonElement seen, string name)
    {
        var type = seen.GetProperty("type").GetString();
        var text = seen.GetProperty("value").GetString()!;
        switch (value)
        {
            case string s:
                Assert.Equal(("String", s), (type, text));
                break;
            case bool b:
                Assert.Equal(("Boolean", b ? "true" : "false"), (type, text));
                break;
            case int i:
                Assert.Equal(("Int32", i.ToString(CultureInfo.InvariantCulture)), (type, text));
                break;
            case long l:
                Assert.Equal(("Int64", l.ToString(CultureInfo.InvariantCulture)), (type, text));
                break;
            case double d:
                // The service sends a whole finite double untagged as `5.0`; JSON.parse cannot tell it from 5, so the
                // SDK infers Int32 (our layer keeps it double: see the other test). Every other double is tagged or fractional.
                var sdkInfersInt32 = double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) <= 9007199254740991;
                Assert.True((sdkInfersInt32 ? "Int32" : "Double") == type, $"{name}: the SDK saw {type} {text}.");
                Assert.True(ParseDouble(text).Equals(d), $"{name}: the SDK saw {text}, we wrote {d.ToString("R", CultureInfo.InvariantCulture)}.");
                break;
            case DateTimeOffset dto:
                Assert.Equal("DateTime", type);
                Assert.Equal(dto.UtcTicks, ParseInstant(text).UtcTicks);
                break;
            case Guid g:
                Assert.Equal(("Guid", g.ToString("D")), (type, text));
                break;
            case byte[] bytes:
                Assert.Equal(("Binary", Convert.ToBase64String(bytes)), (type, text));
                break;
            default:
                Assert.Fail($"{name}: no expectation for {value.GetType().Name}.");
                break;
        }
    }

    /// <summary>The entity holds exactly these properties, each of exactly the expected CLR type and value.</summary>
    private static void AssertExactly((string Name, object Value)[] expected, TableEntity actual)
    {
        Assert.Equal(expected.Select(p => p.Name).Order(StringComparer.Ordinal), actual.PropertyNames());
        foreach (var (name, value) in expected)
        {
            var got = actual[name]!;
            Assert.True(value.GetType() == got.GetType(), $"{name}: expected {value.GetType().Name}, got {got.GetType().Name} ({got}).");
            switch (value)
            {
                case double d:
                    Assert.True(d.Equals((double)got), $"{name}: expected {d.ToString("R", CultureInfo.InvariantCulture)}, got {((double)got).ToString("R", CultureInfo.InvariantCulture)}.");
                    break;
                case DateTimeOffset dto:
                    Assert.Equal(dto.UtcTicks, ((DateTimeOffset)got).UtcTicks);
                    Assert.Equal(TimeSpan.Zero, ((DateTimeOffset)got).Offset);
                    break;
                default:
                    Assert.Equal(value, got);
                    break;
            }
        }
    }

    /// <summary>A service timestamp from this run: UTC and within minutes of now.</summary>
    private static void AssertRecent(DateTimeOffset? timestamp)
    {
        Assert.NotNull(timestamp);
        Assert.Equal(TimeSpan.Zero, timestamp.Value.Offset);
        Assert.InRange(timestamp.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    private static double ParseDouble(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static DateTimeOffset ParseInstant(string text)
    {
        Assert.EndsWith("Z", text, StringComparison.Ordinal);
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    private static Task<JsonElement> SdkReadAsync(string table, params (string PartitionKey, string RowKey)[] keys) =>
        RunScriptAsync(table, "read", JsonSerializer.Serialize(keys.Select(k => new[] { k.PartitionKey, k.RowKey })));

    private static async Task<JsonElement> RunScriptAsync(string table, string mode, params string[] args)
    {
        var result = await NodeScript.RunAsync(Script, [TestEnvironment.StorageConnectionString, table, mode, .. args], TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"node {Script} {mode} exited {result.ExitCode}: {result.StandardError}");
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.Clone();
    }
}
