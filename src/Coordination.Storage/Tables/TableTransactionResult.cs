using Azure;

namespace Coordination.Storage.Tables;

/// <summary>
/// The outcome of an entity group transaction: either every operation applied (with each one's new ETag), or none did
/// and <see cref="FailedIndex"/> names the operation that failed.
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
