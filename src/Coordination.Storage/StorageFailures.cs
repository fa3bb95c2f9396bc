using System.Globalization;
using Azure;

namespace Coordination.Storage;

/// <summary>
/// The one mapping from what the SDK clients throw to our outcomes and exceptions: expected statuses become
/// <see cref="StorageOutcome"/> values, throttling, unreachability and refusals become the three storage exceptions,
/// so nothing raw leaves the storage layer.
/// </summary>
internal static class StorageFailures
{
    /// <summary>The expected outcome a status stands for, or null.</summary>
    public static StorageOutcome? OutcomeOf(int status) => status switch
    {
        404 => StorageOutcome.NotFound,
        409 => StorageOutcome.AlreadyExists,
        412 => StorageOutcome.PreconditionFailed,
        _ => null,
    };

    /// <summary>
    /// The write result for a failed call when its status is one of <paramref name="expected"/>; a lost race (409, 412)
    /// also counts as a conflict. Anything else is thrown, translated.
    /// </summary>
    public static WriteResult ToWriteResult(RequestFailedException e, params ReadOnlySpan<StorageOutcome> expected)
    {
        if (OutcomeOf(e.Status) is { } outcome && expected.Contains(outcome))
        {
            if (outcome is StorageOutcome.AlreadyExists or StorageOutcome.PreconditionFailed)
            {
                StorageCallCounter.RecordConflict();
            }
            return new WriteResult(outcome, default, e.ErrorCode);
        }
        throw Translate(e);
    }

    /// <summary>Runs a call whose failures are all unexpected, translating them.</summary>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>Our exception for a failure nobody expects to handle as a value.</summary>
    public static Exception Translate(Exception e) => e switch
    {
        RequestFailedException { Status: 429 or 503 } busy =>
            new StorageThrottledException($"Storage is throttling ({busy.Status} {busy.ErrorCode}) after retries.", RetryAfterOf(busy), busy),
        RequestFailedException { Status: 0 } unreachable =>
            new StorageUnavailableException(unreachable.Message, unreachable),
        RequestFailedException { Status: >= 500 } failing =>
            new StorageUnavailableException($"Storage kept failing with {failing.Status} {failing.ErrorCode} after retries.", failing),
        RequestFailedException refused =>
            new StorageRejectedException(refused.Status, refused.ErrorCode, $"Storage refused the request with {refused.Status} {refused.ErrorCode}.", refused),
        _ => e,
    };

    private static TimeSpan? RetryAfterOf(RequestFailedException e) =>
        e.GetRawResponse() is { } response && response.Headers.TryGetValue("Retry-After", out var value)
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 60))
            : null;
}
