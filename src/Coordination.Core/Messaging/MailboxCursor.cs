using System.Text.RegularExpressions;
using Coordination.Core.Common;

namespace Coordination.Core.Messaging;

/// <summary>
/// The opaque cursors of mailbox lists: base64url of the key suffix after the list's prefix (the last row returned), so
/// the next page is one range query starting after it. Keys never change, so paging yields each message once.
/// </summary>
internal static partial class MailboxCursor
{
    /// <summary>Encodes a key suffix.</summary>
    public static string Encode(string suffix) => OpaqueCursor.Encode(suffix);

    /// <summary>An inbox cursor's key suffix: <c>{5-priority}|{sentTicks}|{messageId}</c>.</summary>
    public static string DecodeInbox(string cursor) => Decode(cursor, InboxSuffix(), "inbox");

    /// <summary>A thread cursor's key suffix: <c>{sentTicks}|{messageId}</c>.</summary>
    public static string DecodeThread(string cursor) => Decode(cursor, ThreadSuffix(), "thread");

    private static string Decode(string cursor, Regex pattern, string list) =>
        OpaqueCursor.TryDecode(cursor) is { } suffix && pattern.IsMatch(suffix)
            ? suffix
            : throw Validation.Invalid("cursor", $"is not a cursor this {list} returned (pass a page's nextCursor unchanged).");

    [GeneratedRegex("^[0-4]\\|[0-9]{19}\\|msg_[0-9a-z]{1,64}$")]
    private static partial Regex InboxSuffix();

    [GeneratedRegex("^[0-9]{19}\\|msg_[0-9a-z]{1,64}$")]
    private static partial Regex ThreadSuffix();
}
