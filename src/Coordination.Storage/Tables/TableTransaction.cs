using Azure;

namespace Coordination.Storage.Tables;

/// <summary>The kind of one operation inside an entity group transaction.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; fails with AlreadyExists when the keys are taken.</summary>
    Add,

    /// <summary>Delete, conditional on the ETag (or <see cref="ETag.All"/>).</summary>
    Delete,

    /// <summary>Merge into the existing entity, conditional on the ETag.</summary>
    UpdateMerge,

    /// <summary>Replace the existing entity, conditional on the ETag.</summary>
    UpdateReplace,

    /// <summary>Insert or merge, unconditionally.</summary>
    UpsertMerge,

    /// <summary>Insert or replace, unconditionally.</summary>
    UpsertReplace,
}

/// <summary>One operation of a transaction. Updates and deletes must state their concurrency through <paramref name="IfMatch"/>.</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag IfMatch = default);

/// <summary>The operations a transaction is built from, each stating its concurrency.</summary>
public static class TableActions
{
    /// <summary>An insert.</summary>
    public static TableTransactionAction Add(TableEntity entity) => new(TableTransactionActionType.Add, entity);

    /// <summary>A delete conditional on <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any version).</summary>
    public static TableTransactionAction Delete(string partitionKey, string rowKey, ETag ifMatch) =>
        new(TableTransactionActionType.Delete, new TableEntity(partitionKey, rowKey), ifMatch);

    /// <summary>A replace conditional on <paramref name="ifMatch"/>.</summary>
    public static TableTransactionAction Replace(TableEntity entity, ETag ifMatch) => new(TableTransactionActionType.UpdateReplace, entity, ifMatch);

    /// <summary>A merge conditional on <paramref name="ifMatch"/>.</summary>
    public static TableTransactionAction Merge(TableEntity entity, ETag ifMatch) => new(TableTransactionActionType.UpdateMerge, entity, ifMatch);

    /// <summary>An unconditional insert-or-replace.</summary>
    public static TableTransactionAction UpsertReplace(TableEntity entity) => new(TableTransactionActionType.UpsertReplace, entity);
}

/// <summary>
/// The outcome of an entity group transaction: either every operation applied (with each one's new ETag),
/// or none did and <see cref="FailedIndex"/> names the operation that failed.
/// </summary>
public sealed class TableTransactionResult
{
    internal TableTransactionResult(IReadOnlyList<ETag> etags)
    {
        ETags = etags;
    }

    internal TableTransactionResult(int failedIndex, StorageOutcome outcome, string? errorCode)
    {
        ETags = [];
        FailedIndex = failedIndex;
        Outcome = outcome;
        ErrorCode = errorCode;
    }

    /// <summary>True when every operation was applied.</summary>
    public bool Succeeded => FailedIndex is null;

    /// <summary>What happened to the failing operation (<see cref="StorageOutcome.Succeeded"/> when all applied).</summary>
    public StorageOutcome Outcome { get; } = StorageOutcome.Succeeded;

    /// <summary>The 0-based index of the operation that failed, or null.</summary>
    public int? FailedIndex { get; }

    /// <summary>The service's error code for the failing operation, or null.</summary>
    public string? ErrorCode { get; }

    /// <summary>The new ETag of each operation in order (default for deletes); empty on failure.</summary>
    public IReadOnlyList<ETag> ETags { get; }
}

/// <summary>A transaction failed for a reason other than 404/409/412; nothing was applied.</summary>
public sealed class TableTransactionFailedException(int status, int? failedIndex, string? errorCode, string message)
    : RequestFailedException(status, message, errorCode, null)
{
    /// <summary>The 0-based index of the failing operation, when the service named one.</summary>
    public int? FailedIndex { get; } = failedIndex;
}
