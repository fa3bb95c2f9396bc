using Azure;
using Azure.Data.Tables;

namespace Coordination.Storage.Tables;

/// <summary>
/// One table through the official <see cref="TableClient"/>, with the outcomes a caller plans for kept as values:
/// a missing entity is null, an insert that meets an existing key, an update or delete that meets another ETag or no
/// entity come back as <see cref="WriteResult"/>, and a failed transaction names its failing operation. Everything else
/// is thrown as <see cref="StorageThrottledException"/>, <see cref="StorageUnavailableException"/> or
/// <see cref="StorageRejectedException"/> (Azure SDK guidelines: <c>RequestFailedException</c> only for the unexpected).
/// </summary>
public sealed class TableStore(TableClient client)
{
    private static readonly string[] KeyNames = ["PartitionKey", "RowKey"];

    /// <summary>The SDK client underneath, for what this layer does not cover.</summary>
    public TableClient Client { get; } = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>The table name.</summary>
    public string Name => Client.Name;

    /// <summary>True for names the service accepts: <c>^[A-Za-z][A-Za-z0-9]{2,62}$</c>, not "tables".</summary>
    public static bool IsValidTableName(string? name) =>
        name is { Length: >= 3 and <= 63 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit) &&
        !string.Equals(name, "tables", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates the table unless it exists; true when this call created it.</summary>
    public Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) => StorageFailures.GuardAsync(async () =>
        (await Client.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false)).GetRawResponse().Status is not 409);

    /// <summary>True when the table exists (a query of at most one key: the SDK has no existence call for a table).</summary>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var _ in Client.QueryAsync<TableEntity>(maxPerPage: 1, select: KeyNames, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                break;
            }
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException e)
        {
            throw StorageFailures.Translate(e);
        }
    }

    /// <summary>Deletes the table and every row in it; false when it did not exist.</summary>
    public Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default) => StorageFailures.GuardAsync(async () =>
        (await Client.DeleteAsync(cancellationToken).ConfigureAwait(false)).Status is not 404);

    /// <summary>
    /// Reads one entity; null when it does not exist. <paramref name="select"/> limits the properties returned
    /// (null: all); the keys and the ETag always come back.
    /// </summary>
    public Task<TableEntity?> GetEntityAsync(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default) =>
        StorageFailures.GuardAsync(async () =>
        {
            var found = await Client.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, WithKeys(select), cancellationToken).ConfigureAwait(false);
            return found.HasValue ? found.Value : null;
        });

    /// <summary>Inserts an entity; <see cref="StorageOutcome.AlreadyExists"/> when the keys are taken.</summary>
    public async Task<WriteResult> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await Client.AddEntityAsync(Clean(entity), cancellationToken).ConfigureAwait(false);
            return Applied(response);
        }
        catch (RequestFailedException e)
        {
            return StorageFailures.ToWriteResult(e, StorageOutcome.AlreadyExists);
        }
    }

    /// <summary>
    /// Replaces or merges an existing entity if its ETag still equals <paramref name="ifMatch"/> (<see cref="ETag.All"/>
    /// for any version): <see cref="StorageOutcome.PreconditionFailed"/> on a stale ETag, <see cref="StorageOutcome.NotFound"/>
    /// when it is gone.
    /// </summary>
    public async Task<WriteResult> UpdateEntityAsync(TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        RequireConcurrency(ifMatch, nameof(ifMatch));
        try
        {
            return Applied(await Client.UpdateEntityAsync(Clean(entity), ifMatch, mode, cancellationToken).ConfigureAwait(false));
        }
        catch (RequestFailedException e)
        {
            return StorageFailures.ToWriteResult(e, StorageOutcome.NotFound, StorageOutcome.PreconditionFailed);
        }
    }

    /// <summary>Inserts the entity or, unconditionally, replaces or merges the existing one.</summary>
    public Task<WriteResult> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
        StorageFailures.GuardAsync(async () => Applied(await Client.UpsertEntityAsync(Clean(entity), mode, cancellationToken).ConfigureAwait(false)));

    /// <summary>Deletes an entity if its ETag still equals <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any).</summary>
    public async Task<WriteResult> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        RequireConcurrency(ifMatch, nameof(ifMatch));
        try
        {
            // The SDK answers a missing entity with its 404 response instead of throwing.
            var response = await Client.DeleteEntityAsync(partitionKey, rowKey, ifMatch, cancellationToken).ConfigureAwait(false);
            return response.Status == 404 ? new WriteResult(StorageOutcome.NotFound, default, "ResourceNotFound") : new WriteResult(StorageOutcome.Succeeded, default);
        }
        catch (RequestFailedException e)
        {
            return StorageFailures.ToWriteResult(e, StorageOutcome.NotFound, StorageOutcome.PreconditionFailed);
        }
    }

    /// <summary>
    /// Queries entities. Pages follow the service's continuation (a page may be empty and still continue);
    /// <paramref name="maxPerPage"/> maps to <c>$top</c> (≤ 1000); a page's continuation token resumes the query.
    /// <paramref name="select"/> limits the properties returned (null: all); the keys always come back.
    /// </summary>
    public AsyncPageable<TableEntity> QueryAsync(string? filter = null, IEnumerable<string>? select = null, int? maxPerPage = null, CancellationToken cancellationToken = default)
    {
        if (maxPerPage is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerPage), maxPerPage, "A page holds 1 to 1000 entities.");
        }
        return new GuardedPageable<TableEntity>(Client.QueryAsync<TableEntity>(filter, maxPerPage, WithKeys(select), cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Applies up to 100 operations on one partition atomically (an entity group transaction). A failure the caller
    /// plans for (404, 409, 412) comes back with the failing operation's index, and nothing was applied.
    /// </summary>
    /// <exception cref="ArgumentException">The transaction is empty, has more than 100 operations, spans partitions or
    /// names one row twice: checked here because the SDK sends such a transaction and Azurite applies some of them.</exception>
    public async Task<TableTransactionResult> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        TableActions.Validate(actions);
        foreach (var action in actions)
        {
            Clean((TableEntity)action.Entity);
        }
        try
        {
            var response = await Client.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return new TableTransactionResult(response.Value.Select(r => r.Headers.ETag ?? default).ToList());
        }
        catch (TableTransactionFailedException e) when (StorageFailures.OutcomeOf(e.Status) is { } outcome && e.FailedTransactionActionIndex is { } index && index < actions.Count)
        {
            // A lost race: another writer changed (412), took (409) or removed (404 on an operation conditioned on the
            // ETag it read: two claimers deleting the same ready row) what this transaction counted on.
            var conditioned = actions[index].ETag != default && actions[index].ETag != ETag.All;
            if (outcome != StorageOutcome.NotFound || conditioned)
            {
                StorageCallCounter.RecordConflict();
            }
            return new TableTransactionResult(index, outcome, e.ErrorCode);
        }
        catch (RequestFailedException e)
        {
            throw StorageFailures.Translate(e);
        }
    }

    /// <summary>
    /// A <c>$select</c> list that also names the keys: with <c>$select</c> the service returns only what is listed, and an
    /// entity without its keys cannot be addressed. Null when nothing is selected.
    /// </summary>
    internal static IReadOnlyList<string>? WithKeys(IEnumerable<string>? select)
    {
        var selected = select?.ToArray();
        return selected is null or { Length: 0 } ? null : KeyNames.Concat(selected).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Null-valued properties mean "absent" to us; the SDK would send them as JSON nulls. An entity that was read also
    /// carries the service's Timestamp and odata.etag, which are not ours to write.
    /// </summary>
    private static TableEntity Clean(TableEntity entity)
    {
        IDictionary<string, object> properties = entity;
        List<string>? drop = null;
        foreach (var (name, value) in properties)
        {
            if (value is null || name is "Timestamp" or "odata.etag")
            {
                (drop ??= []).Add(name);
            }
        }
        foreach (var name in drop ?? [])
        {
            properties.Remove(name);
        }
        return entity;
    }

    private static WriteResult Applied(Response response) => new(StorageOutcome.Succeeded, response.Headers.ETag ?? default);

    private static void RequireConcurrency(ETag ifMatch, string parameter)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("A conditional write must state its concurrency: pass the ETag read, or ETag.All.", parameter);
        }
    }
}
