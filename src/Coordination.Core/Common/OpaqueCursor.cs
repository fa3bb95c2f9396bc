using System.Buffers.Text;
using System.Text;

namespace Coordination.Core.Common;

/// <summary>
/// The text of opaque list cursors: base64url of a list's position (a key suffix, a time and id), so a client passes a
/// page's <c>nextCursor</c> back unchanged and never depends on what is inside. Each list checks the position it decodes.
/// </summary>
public static class OpaqueCursor
{
    /// <summary>The cursor of a position.</summary>
    public static string Encode(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    /// <summary>The position a cursor holds, or null when it is not base64url.</summary>
    public static string? TryDecode(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
