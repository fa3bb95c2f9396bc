using System.Text.Json.Serialization;

namespace Coordination.Core.Common;

/// <summary>
/// The one shape of every list the API answers: the items, the cursor that continues after them (pass it back as
/// <c>cursor</c>), and whether more may follow. <see cref="NextCursor"/> is always present: null on the last page.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">This page's items, in the list's order.</param>
/// <param name="NextCursor">Where the next page starts; null when there is none.</param>
/// <param name="HasMore">True when a next page may hold more items.</param>
public sealed record ListPage<T>(
    IReadOnlyList<T> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor,
    bool HasMore)
{
    /// <summary>A complete list in one page.</summary>
    public static ListPage<T> All(IReadOnlyList<T> items) => new(items, null, false);
}
