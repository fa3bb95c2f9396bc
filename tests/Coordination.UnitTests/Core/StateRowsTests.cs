using Coordination.Core.Common;
using Coordination.Core.State;
using static Coordination.UnitTests.Core.StoredEntities;

namespace Coordination.UnitTests.Core;

public sealed class StateRowsTests
{
    private static readonly string[] Stored = ["Key", "Version", "Value", "Deleted", "UpdatedAt", "UpdatedBy"];

    private static readonly StateRow Config = new("swarm_a", "config/db", 7, """{"retries":3}""", false, Now, "writer");

    [Fact]
    public void A_value_row_round_trips_with_the_etag_it_was_read_with()
    {
        var entity = StateRows.ToEntity(Config);
        Assert.Equal(StateRows.StateKey("config/db"), entity.RowKey);
        Assert.Equal(Config with { ETag = ReadETag }, StateRows.From(AsRead(entity)));
    }

    [Fact]
    public void A_tombstone_round_trips_without_a_value()
    {
        var tombstone = Config with { Version = 8, Value = null, Deleted = true };
        var entity = StateRows.ToEntity(tombstone);
        Assert.Null(entity.GetString("Value"));
        Assert.Equal(tombstone, StateRows.From(entity));
    }

    [Fact]
    public void A_version_past_Int32_round_trips_as_Int64()
    {
        var late = Config with { Version = (long)int.MaxValue + 2 };
        Assert.Equal(late, StateRows.From(StateRows.ToEntity(late)));
    }

    [Fact]
    public void A_value_longer_than_one_property_round_trips()
    {
        var big = Config with { Value = "\"" + new string('v', StoredJson.CharsPerProperty + 10) + "\"" };
        Assert.Equal(big, StateRows.From(StateRows.ToEntity(big)));
    }

    [Theory]
    [InlineData("Key")]
    [InlineData("Version")]
    [InlineData("Deleted")]
    [InlineData("UpdatedAt")]
    [InlineData("UpdatedBy")]
    public void A_state_row_missing_a_required_property_fails_loudly(string missing)
    {
        var thrown = Assert.Throws<StoredRowException>(() => StateRows.From(StateRows.ToEntity(Config).Without(missing, Stored)));
        Assert.Contains(missing, thrown.Message, StringComparison.Ordinal);
    }
}
