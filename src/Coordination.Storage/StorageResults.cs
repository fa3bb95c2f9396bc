using Azure;

namespace Coordination.Storage;

/// <summary>The expected outcomes of a storage write; anything else is thrown.</summary>
public enum StorageOutcome
{
    /// <summary>The operation was applied.</summary>
    Succeeded,

    /// <summary>The entity, table or message does not exist (404).</summary>
    NotFound,

    /// <summary>The entity or table already exists (409).</summary>
    AlreadyExists,

    /// <summary>The ETag given in If-Match no longer matches: someone else wrote first (412).</summary>
    PreconditionFailed,
}

/// <summary>The outcome of a single write, with the new ETag when it succeeded.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="ETag">The entity's new ETag after a successful write; default otherwise.</param>
/// <param name="ErrorCode">The service's error code when the write was not applied.</param>
public readonly record struct WriteResult(StorageOutcome Outcome, ETag ETag, string? ErrorCode = null)
{
    /// <summary>True when the write was applied.</summary>
    public bool Succeeded => Outcome == StorageOutcome.Succeeded;
}

/// <summary>
/// Thrown when the service still answers 429 or 503 (Server Busy) after the bounded retries.
/// Callers surface it as <c>storage_throttled</c> with Retry-After.
/// </summary>
public sealed class StorageThrottledException(int status, string? errorCode, string message, TimeSpan? retryAfter = null)
    : RequestFailedException(status, message, errorCode, null)
{
    /// <summary>The service's Retry-After when it sent one, else one second.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter ?? TimeSpan.FromSeconds(1);
}
