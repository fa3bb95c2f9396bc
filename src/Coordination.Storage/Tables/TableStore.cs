using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage.Tables;

/// <summary>How an update treats properties the new entity does not carry.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep them (MERGE).</summary>
    Merge,

    /// <summary>Drop them (PUT).</summary>
    Replace,
}

/// <summary>
/// A thin client for one table over the Table service REST API, shaped like Azure.Data.Tables' TableClient.
/// Expected outcomes (not found, already exists, precondition failed) come back as values; anything else
/// throws <see cref="RequestFailedException"/> (or <see cref="StorageThrottledException"/>).
/// </summary>
public sealed class TableStore
{
    internal const string ApiVersion = "2019-02-02";
    private const string MinimalMetadata = "application/json;odata=minimalmetadata";

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;

    /// <summary>Creates a client for <paramref name="tableName"/> in the account the connection points at.</summary>
    public TableStore(StorageConnection connection, string tableName, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!IsValidTableName(tableName))
        {
            throw new ArgumentException($"'{tableName}' is not a valid table name: 3-63 letters and digits, starting with a letter.", nameof(tableName));
        }
        Name = tableName;
        _endpoint = connection.TableEndpoint;
        _pipeline = StoragePipeline.Build(connection, options ?? new StorageClientOptions(), key => new TableSharedKeyPolicy(key));
    }

    /// <summary>The table name.</summary>
    public string Name { get; }

    /// <summary>True for names the service accepts: <c>^[A-Za-z][A-Za-z0-9]{2,62}$</c>, not "tables".</summary>
    public static bool IsValidTableName(string? name) =>
        name is { Length: >= 3 and <= 63 } && char.IsAsciiLetter(name[0]) && name.All(char.IsAsciiLetterOrDigit) &&
        !string.Equals(name, "tables", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates the table; <see cref="StorageOutcome.AlreadyExists"/> when it exists.</summary>
    public async Task<WriteResult> CreateAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateCreateTableRequest();
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.AlreadyExists);
    }

    /// <summary>Creates the table unless it exists; true when this call created it.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) =>
        (await CreateAsync(cancellationToken).ConfigureAwait(false)).Succeeded;

    /// <summary>Deletes the table; <see cref="StorageOutcome.NotFound"/> when it does not exist.</summary>
    public async Task<WriteResult> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Delete, $"/Tables('{Name}')");
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.NotFound);
    }

    /// <summary>True when the table exists.</summary>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Get, $"/Tables('{Name}')");
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            200 => true,
            404 => false,
            _ => throw StorageErrors.ToException(message.Response),
        };
    }

    /// <summary>
    /// Reads one entity; null when it does not exist. <paramref name="select"/> limits the custom properties
    /// returned (null or empty: all); the keys always come back.
    /// </summary>
    public async Task<TableEntity?> GetEntityAsync(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateGetEntityRequest(partitionKey, rowKey, WithKeys(select));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status == 404)
        {
            return null;
        }
        if (response.Status != 200)
        {
            throw StorageErrors.ToException(response);
        }
        using var json = JsonDocument.Parse(response.Content.ToMemory());
        return TableEntityJson.Read(json.RootElement, response.Headers.ETag ?? default);
    }

    /// <summary>Inserts an entity; <see cref="StorageOutcome.AlreadyExists"/> when the keys are taken.</summary>
    public async Task<WriteResult> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        using var message = CreateAddEntityRequest(entity);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.AlreadyExists);
    }

    /// <summary>
    /// Replaces or merges an existing entity if its ETag still equals <paramref name="ifMatch"/>
    /// (<see cref="ETag.All"/> for any version): <see cref="StorageOutcome.PreconditionFailed"/> on a stale ETag,
    /// <see cref="StorageOutcome.NotFound"/> when it is gone.
    /// </summary>
    public async Task<WriteResult> UpdateEntityAsync(TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("An update must state its concurrency: pass the ETag read, or ETag.All.", nameof(ifMatch));
        }
        using var message = CreateUpdateEntityRequest(entity, ifMatch, mode);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.NotFound, StorageOutcome.PreconditionFailed);
    }

    /// <summary>Inserts the entity or, unconditionally, replaces or merges the existing one.</summary>
    public async Task<WriteResult> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        using var message = CreateUpdateEntityRequest(entity, default, mode);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response);
    }

    /// <summary>Deletes an entity if its ETag still equals <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any).</summary>
    public async Task<WriteResult> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken = default)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("A delete must state its concurrency: pass the ETag read, or ETag.All.", nameof(ifMatch));
        }
        using var message = CreateDeleteEntityRequest(partitionKey, rowKey, ifMatch);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.NotFound, StorageOutcome.PreconditionFailed);
    }

    /// <summary>
    /// Queries entities. Pages follow the service's continuation headers (a page may be empty and still
    /// continue); <c>maxPerPage</c> maps to <c>$top</c> (≤ 1000). A page's continuation token resumes the query.
    /// <paramref name="select"/> limits the custom properties returned (null or empty: all); the keys always come back.
    /// </summary>
    public AsyncPageable<TableEntity> QueryAsync(string? filter = null, IEnumerable<string>? select = null, int? maxPerPage = null, CancellationToken cancellationToken = default)
    {
        if (maxPerPage is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPerPage), maxPerPage, "A page holds 1 to 1000 entities.");
        }
        var selected = WithKeys(select);
        return new ContinuationPageable<TableEntity>(
            (token, hint, ct) => QueryPageAsync(filter, selected, hint ?? maxPerPage, token, ct),
            cancellationToken);
    }

    /// <summary>
    /// Applies up to 100 operations on one partition atomically (entity group transaction). Expected
    /// failures (404, 409, 412) come back with the failing operation's index; others throw
    /// <see cref="TableTransactionFailedException"/>, which carries the index too.
    /// </summary>
    public async Task<TableTransactionResult> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        var batch = TableTransactionBatch.Create(_endpoint, Name, actions);
        using var message = CreateRequest(RequestMethod.Post, "/$batch");
        message.Request.Headers.SetValue("Content-Type", batch.ContentType);
        message.Request.Content = RequestContent.Create(batch.Body);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var result = TableTransactionBatch.ParseResponse(message.Response, actions.Count);
        if (result.Outcome == StorageOutcome.NotFound && result.FailedIndex is { } failed && actions[failed].IfMatch != default && actions[failed].IfMatch != ETag.All)
        {
            // An operation conditioned on the ETag it read found the row gone: it lost a race to a delete (two claimers
            // taking the same ready row answer 404, not 412), so it counts as a conflict like a stale ETag does.
            StorageCallCounter.RecordConflict();
        }
        return result;
    }

    private async Task<Page<TableEntity>> QueryPageAsync(string? filter, string[]? select, int? top, string? continuation, CancellationToken cancellationToken)
    {
        using var message = CreateQueryRequest(filter, select, top, continuation);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw StorageErrors.ToException(response);
        }
        using var json = JsonDocument.Parse(response.Content.ToMemory());
        var values = json.RootElement.GetProperty("value").EnumerateArray().Select(e => TableEntityJson.Read(e)).ToList();
        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPartition);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRow);
        var next = nextPartition is null ? null : $"{nextPartition} {nextRow}";
        return Page<TableEntity>.FromValues(values, next, response);
    }

    internal HttpMessage CreateCreateTableRequest()
    {
        var message = CreateRequest(RequestMethod.Post, "/Tables");
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name }));
        return message;
    }

    internal HttpMessage CreateGetEntityRequest(string partitionKey, string rowKey, string[]? select)
    {
        var message = CreateRequest(RequestMethod.Get, EntityPath(Name, partitionKey, rowKey));
        if (select is { Length: > 0 })
        {
            message.Request.Uri.AppendQuery("$select", string.Join(',', select), escapeValue: true);
        }
        return message;
    }

    internal HttpMessage CreateAddEntityRequest(TableEntity entity)
    {
        var message = CreateRequest(RequestMethod.Post, "/" + Name);
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(TableEntityJson.Serialize(entity));
        return message;
    }

    internal HttpMessage CreateUpdateEntityRequest(TableEntity entity, ETag ifMatch, TableUpdateMode mode)
    {
        var method = mode == TableUpdateMode.Replace ? RequestMethod.Put : TableTransactionBatch.Merge;
        var message = CreateRequest(method, EntityPath(Name, entity.PartitionKey, entity.RowKey));
        message.Request.Headers.SetValue("Content-Type", "application/json");
        if (ifMatch != default)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch.ToString());
        }
        message.Request.Content = RequestContent.Create(TableEntityJson.Serialize(entity));
        return message;
    }

    internal HttpMessage CreateDeleteEntityRequest(string partitionKey, string rowKey, ETag ifMatch)
    {
        var message = CreateRequest(RequestMethod.Delete, EntityPath(Name, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch.ToString());
        return message;
    }

    internal HttpMessage CreateQueryRequest(string? filter, string[]? select, int? top, string? continuation)
    {
        var message = CreateRequest(RequestMethod.Get, $"/{Name}()");
        var uri = message.Request.Uri;
        if (filter is not null)
        {
            uri.AppendQuery("$filter", filter, escapeValue: true);
        }
        if (select is { Length: > 0 })
        {
            uri.AppendQuery("$select", string.Join(',', select), escapeValue: true);
        }
        if (top is not null)
        {
            uri.AppendQuery("$top", top.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), escapeValue: false);
        }
        if (continuation is not null)
        {
            var space = continuation.IndexOf(' ');
            uri.AppendQuery("NextPartitionKey", space < 0 ? continuation : continuation[..space], escapeValue: true);
            if (space >= 0 && space + 1 < continuation.Length)
            {
                uri.AppendQuery("NextRowKey", continuation[(space + 1)..], escapeValue: true);
            }
        }
        return message;
    }

    /// <summary>The entity address: quotes doubled, then percent-encoded, as the REST API requires.</summary>
    internal static string EntityPath(string table, string partitionKey, string rowKey) =>
        $"/{table}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

    /// <summary>
    /// A <c>$select</c> list that also names the keys: with <c>$select</c> the service returns only what is listed,
    /// and an entity without its keys cannot be addressed (or even constructed). Null when nothing is selected.
    /// </summary>
    internal static string[]? WithKeys(IEnumerable<string>? select)
    {
        var selected = select?.ToArray();
        if (selected is null or { Length: 0 })
        {
            return null;
        }
        string[] keys = ["PartitionKey", "RowKey"];
        return keys.Concat(selected).Distinct(StringComparer.Ordinal).ToArray();
    }

    private static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    private HttpMessage CreateRequest(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath(path, escape: false);
        request.Headers.SetValue("x-ms-version", ApiVersion);
        request.Headers.SetValue("Accept", MinimalMetadata);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        if (method != RequestMethod.Get && method != RequestMethod.Delete)
        {
            request.Headers.SetValue("Prefer", "return-no-content");
        }
        return message;
    }
}
