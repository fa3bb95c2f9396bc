using System.Globalization;
using Coordination.Core.Common;
using Coordination.Core.Swarms;

namespace Coordination.Core.Presence;

/// <summary>
/// The cursor of the agents list, which runs most recently seen first (then by agent id): base64url of the last
/// member's last-seen ticks and id, so the next page starts after it. Last-seen times only grow, so a member seen
/// again while a client pages moves ahead of the cursor: it is never listed twice (and the next query finds it).
/// </summary>
internal static class AgentCursor
{
    /// <summary>The cursor after <paramref name="member"/>.</summary>
    public static string After(MemberView member) =>
        OpaqueCursor.Encode(member.LastSeen.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + member.AgentId);

    /// <summary>True when <paramref name="member"/> comes after <paramref name="cursor"/> in the list's order.</summary>
    public static bool IsAfter(MemberView member, (long Ticks, string AgentId) cursor) =>
        member.LastSeen.UtcTicks < cursor.Ticks
        || (member.LastSeen.UtcTicks == cursor.Ticks && string.CompareOrdinal(member.AgentId, cursor.AgentId) > 0);

    /// <summary>The position a cursor names.</summary>
    /// <exception cref="Problems.ProblemException"><c>validation_failed</c> naming <c>cursor</c>.</exception>
    public static (long Ticks, string AgentId) Parse(string cursor)
    {
        var text = OpaqueCursor.TryDecode(cursor) ?? string.Empty;
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        if (bar > 0 && bar < text.Length - 1 && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            return (ticks, text[(bar + 1)..]);
        }
        throw Validation.Invalid("cursor", "is not a cursor this agents list returned (pass a page's nextCursor unchanged).");
    }
}
