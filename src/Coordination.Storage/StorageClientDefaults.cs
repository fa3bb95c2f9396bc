using Azure.Core;

namespace Coordination.Storage;

/// <summary>
/// What every service client (tables, queues, Web PubSub) shares: the one retry policy — Azure.Core's exponential
/// backoff with jitter, which retries 408, 429, 500, 502, 503, 504 and connection failures, bounded for a coordination
/// service — the translation of "no attempt got through" (<see cref="UnreachablePolicy"/>), and, for storage clients,
/// the call counter.
/// </summary>
/// <remarks>
/// Short waits and few tries: a request that holds a lease or a lock should fail over to the caller's own retry within
/// seconds rather than hang; at most 0.1 + 0.2 + 0.4 + 0.8 s of backoff plus the attempts themselves.
/// </remarks>
public static class StorageClientDefaults
{
    /// <summary>Sets the retry, diagnostics and shared policies; <paramref name="counter"/> counts each attempt (null: none).</summary>
    public static void Apply(ClientOptions options, StorageCallCounter? counter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 4;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        // Per-request logs and spans of the SDK would dwarf our own at these request rates.
        options.Diagnostics.IsDistributedTracingEnabled = false;
        options.Diagnostics.IsLoggingEnabled = false;
        options.AddPolicy(new UnreachablePolicy(), HttpPipelinePosition.PerCall);
        if (counter is not null)
        {
            options.AddPolicy(counter.Policy, HttpPipelinePosition.PerRetry);
        }
    }
}
