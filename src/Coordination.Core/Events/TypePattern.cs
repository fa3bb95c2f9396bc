using System.Text.RegularExpressions;
using Coordination.Core.Common;

namespace Coordination.Core.Events;

/// <summary>
/// An event-type pattern of a subscription: an exact type (<c>task.completed</c>, <c>topic.deploys</c>), a namespace
/// (<c>task.*</c>: every type starting with <c>task.</c>), or <c>*</c> (everything).
/// </summary>
public sealed partial record TypePattern(string Text)
{
    /// <summary>True for <c>*</c>.</summary>
    public bool MatchesAll => Text == "*";

    /// <summary>The prefix of a namespace pattern (<c>task.</c> for <c>task.*</c>), else null.</summary>
    public string? Prefix => Text.EndsWith(".*", StringComparison.Ordinal) ? Text[..^1] : null;

    /// <summary>True when <paramref name="type"/> matches.</summary>
    public bool Matches(string type) =>
        MatchesAll || (Prefix is { } prefix ? type.StartsWith(prefix, StringComparison.Ordinal) : type == Text);

    /// <summary>The OData condition that selects exactly the matching events (null for <c>*</c>).</summary>
    public string? Filter() => MatchesAll ? null : Prefix is { } prefix ? EventRows.TypeStartsWith(prefix) : EventRows.TypeIs(Text);

    /// <summary>Parses and checks a list of patterns (1–20).</summary>
    public static IReadOnlyList<TypePattern> ParseAll(IReadOnlyList<string>? patterns, string field)
    {
        if (patterns is null || patterns.Count == 0)
        {
            throw Validation.Invalid(field, "needs at least one pattern, e.g. 'task.*', 'topic.deploys' or '*'.");
        }
        if (patterns.Count > 20)
        {
            throw Validation.Invalid(field, $"has {patterns.Count} patterns; the limit is 20.");
        }
        return patterns.Select((p, i) => p is not null && (p == "*" || (p.Length <= 128 && Shape().IsMatch(p)))
                ? new TypePattern(p)
                : throw Validation.Invalid($"{field}[{i}]", "must be an event type, a namespace ending in '.*' (e.g. 'task.*') or '*'."))
            .Distinct().ToList();
    }

    /// <summary>The OData condition selecting any of <paramref name="patterns"/> (null when one matches everything).</summary>
    public static string? FilterAny(IReadOnlyList<TypePattern> patterns) =>
        patterns.Any(p => p.MatchesAll) ? null : "(" + string.Join(" or ", patterns.Select(p => p.Filter())) + ")";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_:-]*(\\.[A-Za-z0-9_:-]+)*(\\.\\*)?$")]
    private static partial Regex Shape();
}
