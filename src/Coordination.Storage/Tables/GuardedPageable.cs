using Azure;

namespace Coordination.Storage.Tables;

/// <summary>Pages of a query, with a failure on any page translated like every other storage failure.</summary>
internal sealed class GuardedPageable<T>(AsyncPageable<T> inner, CancellationToken cancellationToken) : AsyncPageable<T>(cancellationToken)
    where T : notnull
{
    public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
    {
        await using var pages = inner.AsPages(continuationToken, pageSizeHint).GetAsyncEnumerator(CancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await pages.MoveNextAsync().ConfigureAwait(false);
            }
            catch (RequestFailedException e)
            {
                throw StorageFailures.Translate(e);
            }
            if (!more)
            {
                yield break;
            }
            yield return pages.Current;
        }
    }
}
