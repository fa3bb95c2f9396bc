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
/// The service still answered 429 or 503 (Server Busy) after the bounded retries. Callers surface it as
/// <c>storage_throttled</c> with Retry-After.
/// </summary>
public sealed class StorageThrottledException(string message, TimeSpan? retryAfter, Exception inner) : Exception(message, inner)
{
    /// <summary>The service's Retry-After when it sent one (1–60 s), else one second.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter ?? TimeSpan.FromSeconds(1);
}

/// <summary>
/// No attempt reached the service (connection refused or reset, timeouts, DNS), or it kept answering 5xx: callers
/// surface it as <c>storage_unavailable</c>.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The service refused a request for a reason no caller expects (a 4xx other than 404/409/412, e.g. an entity over the
/// size limit): a request our validation should have stopped. Callers surface it as <c>storage_rejected</c>.
/// </summary>
public sealed class StorageRejectedException(int status, string? errorCode, string message, Exception inner) : Exception(message, inner)
{
    /// <summary>The service's HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The service's error code, e.g. <c>PropertyValueTooLarge</c>.</summary>
    public string? ErrorCode { get; } = errorCode;
}
