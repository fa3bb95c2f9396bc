using System.Globalization;
using Coordination.Core.Common;

namespace Coordination.Core.Events;

/// <summary>
/// The cursor of the event log's lists (the log, a subscription's poll): the sequence a page ends at, as a string.
/// Unlike a finite list, a log page always has a <c>nextCursor</c>: the position to continue from, now or later (an empty
/// page keeps the cursor it was given). <c>hasMore</c> says whether more events are already waiting; iterate while it is
/// true, then resume from <c>nextCursor</c>.
/// </summary>
public static class EventCursor
{
    /// <summary>
    /// The sequence a cursor names (<c>0</c> = before the first event); null when none was given.
    /// </summary>
    /// <exception cref="Problems.ProblemException"><c>validation_failed</c> naming <paramref name="field"/> when it is no sequence.</exception>
    public static long? Parse(string? cursor, string field = "cursor")
    {
        if (cursor is null)
        {
            return null;
        }
        return cursor.Length <= 19 && long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : throw Validation.Invalid(field, $"must be a cursor the log returned (a sequence number as a string, \"0\" for the start); got '{Shorten(cursor)}'.");
    }

    /// <summary>The cursor text of a sequence.</summary>
    public static string Format(long sequence) => sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A page of the log read after <paramref name="start"/> with <paramref name="limit"/>: the cursor is the last event's
    /// sequence (or <paramref name="start"/> when there is none), and a full page may have more behind it.
    /// </summary>
    public static ListPage<SwarmEvent> Page(IReadOnlyList<SwarmEvent> events, long start, int limit) =>
        new(events, Format(events.Count > 0 ? events[^1].Sequence : start), events.Count >= limit);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
