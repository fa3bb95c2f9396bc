namespace Coordination.Core.Problems;

/// <summary>One kind of problem: a stable snake_case code, its HTTP status and a short title.</summary>
/// <param name="Code">Stable machine-readable code clients branch on.</param>
/// <param name="Status">HTTP status.</param>
/// <param name="Title">Short human summary; the detail says what exactly was wrong.</param>
public sealed record ProblemType(string Code, int Status, string Title);

/// <summary>
/// The only place a problem is defined. Every error the API returns is one of these, rendered as
/// RFC 9457 problem+json with the <c>code</c> extension.
/// </summary>
public static class ProblemCatalog
{
    /// <summary>The body is not parseable JSON.</summary>
    public static readonly ProblemType MalformedJson = new("malformed_json", 400, "The request body is not valid JSON");

    /// <summary>A field is missing, of the wrong type, unknown, or out of range.</summary>
    public static readonly ProblemType ValidationFailed = new("validation_failed", 400, "The request is not valid");

    /// <summary>A name or key is too long once encoded for storage.</summary>
    public static readonly ProblemType KeyTooLong = new("key_too_long", 400, "A key or name is too long");

    /// <summary>No or bad credentials.</summary>
    public static readonly ProblemType Unauthorized = new("unauthorized", 401, "Authentication is required");

    /// <summary>The caller's role may not do this.</summary>
    public static readonly ProblemType ForbiddenRole = new("forbidden_role", 403, "Your role does not allow this operation");

    /// <summary>Only a message's recipient may do this (acknowledge).</summary>
    public static readonly ProblemType NotRecipient = new("not_recipient", 403, "Only the recipient may do this");

    /// <summary>Only the agent that created it may use or delete a subscription.</summary>
    public static readonly ProblemType NotOwner = new("not_owner", 403, "Only the owner may do this");

    /// <summary>No such resource (or route).</summary>
    public static readonly ProblemType NotFound = new("not_found", 404, "Not found");

    /// <summary>The route exists but not for this method.</summary>
    public static readonly ProblemType MethodNotAllowed = new("method_not_allowed", 405, "Method not allowed");

    /// <summary>The caller is not the holder of the lock or lease it names.</summary>
    public static readonly ProblemType NotHolder = new("not_holder", 403, "You do not hold this lock or lease");

    /// <summary>A stale lease id or fencing token.</summary>
    public static readonly ProblemType LeaseLost = new("lease_lost", 409, "The lease is no longer held");

    /// <summary>The resource's state does not allow the change (e.g. cancelling a claimed task).</summary>
    public static readonly ProblemType InvalidTransition = new("invalid_transition", 409, "The current state does not allow this change");

    /// <summary>A compare-and-set saw a different version.</summary>
    public static readonly ProblemType VersionConflict = new("version_conflict", 409, "The version has changed");

    /// <summary>Too much contention: the bounded retries were used up.</summary>
    public static readonly ProblemType Contention = new("contention", 409, "Too many concurrent writers; retry");

    /// <summary>The body exceeds the configured limit.</summary>
    public static readonly ProblemType PayloadTooLarge = new("payload_too_large", 413, "The request body is too large");

    /// <summary>The URL (path and query) is longer than the API takes.</summary>
    public static readonly ProblemType UriTooLong = new("uri_too_long", 414, "The request URL is too long");

    /// <summary>The body is not JSON.</summary>
    public static readonly ProblemType UnsupportedMediaType = new("unsupported_media_type", 415, "The request body must be application/json");

    /// <summary>A per-tenant or per-swarm limit was reached (swarms, members, payload size, …).</summary>
    public static readonly ProblemType QuotaExceeded = new("quota_exceeded", 403, "A quota is exhausted");

    /// <summary>Too many attempts in a short time (e.g. wrong join codes).</summary>
    public static readonly ProblemType RateLimited = new("rate_limited", 429, "Too many attempts; slow down");

    /// <summary>An id that must be unique is taken.</summary>
    public static readonly ProblemType AlreadyExists = new("already_exists", 409, "It already exists");

    /// <summary>The swarm would be left without a coordinator (nobody could archive or delete it).</summary>
    public static readonly ProblemType LastCoordinator = new("last_coordinator", 409, "The last coordinator cannot leave");

    /// <summary>The swarm is archived: it can be read but not changed.</summary>
    public static readonly ProblemType SwarmArchived = new("swarm_archived", 409, "The swarm is archived");

    /// <summary>Storage kept throttling after retries.</summary>
    public static readonly ProblemType StorageThrottled = new("storage_throttled", 503, "Storage is busy; retry later");

    /// <summary>Storage could not be reached.</summary>
    public static readonly ProblemType StorageUnavailable = new("storage_unavailable", 503, "Storage is unavailable");

    /// <summary>
    /// Storage refused a request for a reason no caller plans for (e.g. an entity over the service's size limit): a
    /// request our own validation should have stopped, reported as a bad answer from the store rather than a crash.
    /// </summary>
    public static readonly ProblemType StorageRejected = new("storage_rejected", 502, "Storage refused the request");

    /// <summary>Anything unexpected; the trace id finds it in the logs.</summary>
    public static readonly ProblemType InternalError = new("internal_error", 500, "An unexpected error occurred");

    /// <summary>Every problem type, for documentation and tests.</summary>
    public static IReadOnlyList<ProblemType> All { get; } =
    [
        MalformedJson, ValidationFailed, KeyTooLong, Unauthorized, ForbiddenRole, NotHolder, NotRecipient, NotOwner, NotFound, MethodNotAllowed,
        LeaseLost, InvalidTransition, VersionConflict, Contention, AlreadyExists, LastCoordinator, SwarmArchived, PayloadTooLarge, UriTooLong, UnsupportedMediaType, QuotaExceeded, RateLimited,
        StorageThrottled, StorageUnavailable, StorageRejected, InternalError,
    ];
}

/// <summary>
/// Thrown by feature code to answer with a catalogued problem. <paramref name="extensions"/> adds fields such as
/// the current version on a conflict or the allowed range on a validation failure.
/// </summary>
public sealed class ProblemException(ProblemType type, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    : Exception(detail)
{
    /// <summary>The catalogued problem.</summary>
    public ProblemType Type { get; } = type;

    /// <summary>Extra members of the problem document.</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();
}
