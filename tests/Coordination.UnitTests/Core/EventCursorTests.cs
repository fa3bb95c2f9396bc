using Coordination.Core.Events;
using Coordination.Core.Problems;

namespace Coordination.UnitTests.Core;

public sealed class EventCursorTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void A_cursor_is_a_sequence_as_a_string(string cursor, long sequence) => Assert.Equal(sequence, EventCursor.Parse(cursor));

    [Fact]
    public void No_cursor_is_no_position() => Assert.Null(EventCursor.Parse(null));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1.0")]
    [InlineData("abc")]
    [InlineData("99999999999999999999")]
    public void Anything_else_is_a_validation_problem_naming_the_field(string cursor)
    {
        var problem = Assert.Throws<ProblemException>(() => EventCursor.Parse(cursor, "cursor"));
        Assert.Equal(ProblemCatalog.ValidationFailed, problem.Type);
        Assert.Equal("cursor", problem.Extensions["field"]);
        Assert.StartsWith("cursor: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_page_may_have_more_and_ends_at_its_last_sequence()
    {
        var page = EventCursor.Page([Event(5), Event(9)], start: 4, limit: 2);
        Assert.Equal("9", page.NextCursor);
        Assert.True(page.HasMore);
    }

    [Fact]
    public void An_empty_page_keeps_the_cursor_it_was_given_and_has_no_more()
    {
        var page = EventCursor.Page([], start: 12, limit: 100);
        Assert.Empty(page.Items);
        Assert.Equal("12", page.NextCursor);
        Assert.False(page.HasMore);
    }

    private static SwarmEvent Event(long sequence) => new()
    {
        Id = $"evt_{sequence}", Source = "/swarms/s", Type = "custom.x", Time = DateTimeOffset.UnixEpoch, Sequence = sequence, Actor = "a",
        Hash = new string('0', 64), PrevHash = new string('0', 64),
    };
}
