using Coordination.Storage.Tables;

namespace Coordination.UnitTests.Storage;

public sealed class TableFilterTests
{
    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("O'Brien", "'O''Brien'")]
    [InlineData("''", "''''''")]
    [InlineData("", "''")]
    public void String_literals_double_their_single_quotes(string value, string expected)
    {
        Assert.Equal(expected, TableFilter.Literal(value));
    }

    [Fact]
    public void Int64_literals_carry_the_L_suffix()
    {
        Assert.Equal("5L", TableFilter.Literal(5L));
        Assert.Equal("-9223372036854775808L", TableFilter.Literal(long.MinValue));
    }

    [Fact]
    public void DateTime_literals_are_utc_with_seven_fractional_digits()
    {
        var local = new DateTimeOffset(2024, 1, 1, 2, 0, 0, TimeSpan.FromHours(2)).AddTicks(1);

        Assert.Equal("datetime'2024-01-01T00:00:00.0000001Z'", TableFilter.Literal(local));
    }

    [Fact]
    public void A_row_key_prefix_becomes_a_half_open_range_in_one_partition()
    {
        Assert.Equal(
            "PartitionKey eq 's''1' and RowKey ge 'task|' and RowKey lt 'task}'",
            TableFilter.RowKeyPrefix("s'1", "task|"));
    }

    [Fact]
    public void A_row_key_prefix_after_a_key_starts_past_that_key_and_keeps_the_upper_bound()
    {
        Assert.Equal(
            "PartitionKey eq 's' and RowKey gt 'task|007' and RowKey lt 'task}'",
            TableFilter.RowKeyPrefix("s", "task|", "task|007"));
    }

    [Fact]
    public void An_empty_row_key_prefix_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => TableFilter.RowKeyPrefix("p", ""));
    }
}
