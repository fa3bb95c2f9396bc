using Coordination.Core.Events;
using Coordination.Core.Messaging;
using Coordination.Core.Problems;

namespace Coordination.UnitTests.Core;

public sealed class MessagingRulesTests
{
    [Theory]
    [InlineData("task.*", "task.completed", true)]
    [InlineData("task.*", "task.lease.expired", true)]
    [InlineData("task.*", "task", false)]
    [InlineData("task.*", "tasks.x", false)]
    [InlineData("topic.deploys", "topic.deploys", true)]
    [InlineData("topic.deploys", "topic.deploys.prod", false)]
    [InlineData("*", "anything.at.all", true)]
    public void Patterns_match_exact_types_namespaces_or_everything(string pattern, string type, bool matches) =>
        Assert.Equal(matches, new TypePattern(pattern).Matches(type));

    [Fact]
    public void A_namespace_becomes_a_range_that_holds_exactly_its_types()
    {
        Assert.Equal("(Type ge 'task.' and Type lt 'task/')", new TypePattern("task.*").Filter());
        Assert.Equal("Type eq 'it''s'", new TypePattern("it's").Filter());
        Assert.Null(TypePattern.FilterAny([new TypePattern("a.*"), new TypePattern("*")]));
    }

    [Theory]
    [InlineData("task.**")]
    [InlineData("*.task")]
    [InlineData("ta*")]
    [InlineData(".task")]
    [InlineData("a b")]
    [InlineData("")]
    public void Malformed_patterns_are_validation_problems(string pattern)
    {
        var problem = Assert.Throws<ProblemException>(() => TypePattern.ParseAll([pattern], "patterns"));
        Assert.Equal(ProblemCatalog.ValidationFailed, problem.Type);
    }

    [Fact]
    public void Inbox_keys_sort_by_priority_then_age_and_stay_inside_the_recipients_range()
    {
        var keys = new[]
        {
            MessageRows.InboxKey("bob", 1, 100, "msg_a"), MessageRows.InboxKey("bob", 5, 300, "msg_b"),
            MessageRows.InboxKey("bob", 5, 200, "msg_c"), MessageRows.InboxKey("bob", 3, 50, "msg_d"),
        };
        Assert.Equal(["msg_c", "msg_b", "msg_d", "msg_a"], keys.Order(StringComparer.Ordinal).Select(k => k.Split('|')[^1]));
        var prefix = MessageRows.InboxPrefix("bob");
        Assert.All(keys, k => Assert.StartsWith(prefix, k));
        // A recipient whose id starts like another's cannot fall into its range: '|' in ids is escaped.
        Assert.False(MessageRows.InboxKey("bob|x", 5, 1, "msg_e").StartsWith(prefix, StringComparison.Ordinal));
        Assert.StartsWith("inbox|bob!7Cx|", MessageRows.InboxKey("bob|x", 5, 1, "msg_e"));
    }
}
