using System.Text.Json;
using Azure;
using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Storage;

/// <summary>The Table service JSON payload format (notes §2.6): annotations on write, minimalmetadata on read.</summary>
public sealed class TableEntityJsonTests
{
    private static readonly Guid SomeGuid = new("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void Strings_booleans_and_int32_are_written_plain()
    {
        var json = Written(new TableEntity("p", "r") { ["S"] = "text", ["B"] = true, ["I"] = -7 });

        Assert.Equal("p", json.GetProperty("PartitionKey").GetString());
        Assert.Equal("r", json.GetProperty("RowKey").GetString());
        Assert.Equal("text", json.GetProperty("S").GetString());
        Assert.Equal(JsonValueKind.True, json.GetProperty("B").ValueKind);
        Assert.Equal(-7, json.GetProperty("I").GetInt32());
        Assert.Equal(5, json.EnumerateObject().Count());
    }

    [Fact]
    public void Int64_is_written_as_a_string_with_its_annotation()
    {
        var json = Written(new TableEntity("p", "r") { ["L"] = long.MaxValue });

        Assert.Equal("9223372036854775807", json.GetProperty("L").GetString());
        Assert.Equal("Edm.Int64", json.GetProperty("L@odata.type").GetString());
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(2.0)]
    [InlineData(-0.1)]
    public void Double_is_always_annotated_so_whole_values_stay_doubles(double value)
    {
        var json = Written(new TableEntity("p", "r") { ["D"] = value });

        Assert.Equal(value, json.GetProperty("D").GetDouble());
        Assert.Equal("Edm.Double", json.GetProperty("D@odata.type").GetString());
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void Special_doubles_are_written_as_strings(double value, string expected)
    {
        var json = Written(new TableEntity("p", "r") { ["D"] = value });

        Assert.Equal(expected, json.GetProperty("D").GetString());
        Assert.Equal("Edm.Double", json.GetProperty("D@odata.type").GetString());
    }

    [Fact]
    public void DateTime_is_written_in_utc_with_seven_fractional_digits_and_Z()
    {
        var when = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(1234567);

        var json = Written(new TableEntity("p", "r") { ["T"] = when });

        Assert.Equal("2024-01-02T01:04:05.1234567Z", json.GetProperty("T").GetString());
        Assert.Equal("Edm.DateTime", json.GetProperty("T@odata.type").GetString());
    }

    [Fact]
    public void An_unspecified_DateTime_is_taken_as_utc()
    {
        var entity = new TableEntity("p", "r") { ["T"] = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Unspecified) };

        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), entity.GetDateTimeOffset("T"));
        Assert.Equal(TimeSpan.Zero, entity.GetDateTimeOffset("T")!.Value.Offset);
        Assert.Equal("2024-05-06T07:08:09.0000000Z", Written(entity).GetProperty("T").GetString());
    }

    [Fact]
    public void A_utc_DateTime_keeps_its_instant()
    {
        var entity = new TableEntity("p", "r") { ["T"] = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc) };

        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), entity.GetDateTimeOffset("T"));
    }

    [Fact]
    public void Guid_and_binary_are_annotated()
    {
        var json = Written(new TableEntity("p", "r") { ["G"] = SomeGuid, ["Bin"] = new byte[] { 0, 1, 250, 251, 255 } });

        Assert.Equal("0f8fad5b-d9cb-469f-a165-70867728950e", json.GetProperty("G").GetString());
        Assert.Equal("Edm.Guid", json.GetProperty("G@odata.type").GetString());
        Assert.Equal(new byte[] { 0, 1, 250, 251, 255 }, Convert.FromBase64String(json.GetProperty("Bin").GetString()!));
        Assert.Equal("Edm.Binary", json.GetProperty("Bin@odata.type").GetString());
    }

    [Fact]
    public void Reading_minimalmetadata_restores_every_type_etag_and_timestamp()
    {
        const string payload = """
            {"odata.metadata":"http://127.0.0.1:10002/devstoreaccount1/$metadata#jobs/@Element",
             "odata.etag":"W/\"datetime'2024-01-01T00%3A00%3A00.1234567Z'\"",
             "PartitionKey":"p","RowKey":"r",
             "Timestamp@odata.type":"Edm.DateTime","Timestamp":"2024-01-01T00:00:00.1234567Z",
             "Count@odata.type":"Edm.Int64","Count":"42",
             "Small":7,"Ratio":0.25,"Name":"n","Flag":false,
             "Whole@odata.type":"Edm.Double","Whole":2.0,
             "Nan@odata.type":"Edm.Double","Nan":"NaN",
             "When@odata.type":"Edm.DateTime","When":"2024-05-06T07:08:09.5Z",
             "Id@odata.type":"Edm.Guid","Id":"0f8fad5b-d9cb-469f-a165-70867728950e",
             "Data@odata.type":"Edm.Binary","Data":"AQID"}
            """;

        var entity = Read(payload);

        Assert.Equal(("p", "r"), (entity.PartitionKey, entity.RowKey));
        Assert.Equal(new ETag("W/\"datetime'2024-01-01T00%3A00%3A00.1234567Z'\""), entity.ETag);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567), entity.Timestamp);
        Assert.Equal(42L, entity["Count"]);
        Assert.Equal(7, entity["Small"]);
        Assert.Equal(0.25, entity["Ratio"]);
        Assert.Equal("n", entity["Name"]);
        Assert.Equal(false, entity["Flag"]);
        Assert.Equal(2.0, Assert.IsType<double>(entity["Whole"]));
        Assert.True(double.IsNaN(entity.GetDouble("Nan")!.Value));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 500, TimeSpan.Zero), entity["When"]);
        Assert.Equal(SomeGuid, entity["Id"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, entity["Data"]);
        Assert.Equal(10, entity.Count);
    }

    [Fact]
    public void Reading_unannotated_numbers_gives_int32_when_it_fits_and_double_otherwise()
    {
        var entity = Read("""{"PartitionKey":"p","RowKey":"r","A":2147483647,"B":2147483648,"C":1.5,"D":-3}""");

        Assert.Equal(int.MaxValue, Assert.IsType<int>(entity["A"]));
        Assert.Equal(2147483648d, Assert.IsType<double>(entity["B"]));
        Assert.Equal(1.5, Assert.IsType<double>(entity["C"]));
        Assert.Equal(-3, Assert.IsType<int>(entity["D"]));
    }

    [Fact]
    public void The_header_etag_is_used_when_the_body_has_none()
    {
        var header = new ETag("W/\"datetime'2024-01-01T00%3A00%3A00Z'\"");

        using var json = JsonDocument.Parse("""{"PartitionKey":"p","RowKey":"r"}""");
        var entity = TableEntityJson.Read(json.RootElement, header);

        Assert.Equal(header, entity.ETag);
        Assert.Null(entity.Timestamp);
    }

    [Fact]
    public void An_unknown_edm_type_is_refused()
    {
        Assert.Throws<FormatException>(() => Read("""{"PartitionKey":"p","RowKey":"r","X@odata.type":"Edm.Decimal","X":"1"}"""));
    }

    [Fact]
    public void Every_supported_type_survives_a_write_and_read_round_trip()
    {
        var entity = new TableEntity("p", "r")
        {
            ["S"] = "s é \" \\", ["B"] = true, ["I"] = int.MinValue, ["L"] = long.MinValue, ["D"] = 1.0,
            ["Inf"] = double.NegativeInfinity, ["T"] = DateTimeOffset.UnixEpoch.AddTicks(1), ["G"] = SomeGuid, ["Bin"] = new byte[] { 255 },
        };

        var back = Read(System.Text.Encoding.UTF8.GetString(TableEntityJson.Serialize(entity)));

        Assert.Equal(entity.Count, back.Count);
        foreach (var (name, value) in entity)
        {
            Assert.Equal(value, back[name]);
            Assert.Equal(value.GetType(), back[name]!.GetType());
        }
    }

    [Theory]
    [InlineData("PartitionKey")]
    [InlineData("RowKey")]
    [InlineData("Timestamp")]
    [InlineData("odata.etag")]
    [InlineData("odata.type")]
    [InlineData("Name@odata.type")]
    [InlineData("")]
    public void Reserved_property_names_are_refused(string name)
    {
        var entity = new TableEntity("p", "r");

        Assert.ThrowsAny<ArgumentException>(() => entity[name] = "x");
    }

    public static TheoryData<object> UnsupportedValues => new() { 1.5m, 1.5f, (short)1, (uint)1, 'c', new DateOnly(2024, 1, 1), TimeSpan.Zero, new object(), new[] { 1 } };

    [Theory]
    [MemberData(nameof(UnsupportedValues))]
    public void Unsupported_property_types_are_refused(object value)
    {
        var entity = new TableEntity("p", "r");

        var error = Assert.Throws<ArgumentException>(() => entity["X"] = value);

        Assert.Contains(value.GetType().Name, error.Message);
        Assert.False(entity.ContainsKey("X"));
    }

    [Fact]
    public void Setting_null_removes_a_property()
    {
        var entity = new TableEntity("p", "r") { ["X"] = "x" };

        entity["X"] = null;

        Assert.False(entity.ContainsKey("X"));
        Assert.Empty(entity);
    }

    [Fact]
    public void Typed_getters_widen_integers_and_refuse_other_types()
    {
        var entity = new TableEntity("p", "r") { ["I"] = 3, ["S"] = "3" };

        Assert.Equal(3L, entity.GetInt64("I"));
        Assert.Equal(3.0, entity.GetDouble("I"));
        Assert.Null(entity.GetInt32("Missing"));
        Assert.Throws<InvalidOperationException>(() => entity.GetInt32("S"));
        Assert.Throws<InvalidOperationException>(() => entity.GetString("I"));
    }

    private static JsonElement Written(TableEntity entity)
    {
        using var json = JsonDocument.Parse(TableEntityJson.Serialize(entity));
        return json.RootElement.Clone();
    }

    private static TableEntity Read(string payload)
    {
        using var json = JsonDocument.Parse(payload);
        return TableEntityJson.Read(json.RootElement);
    }
}
