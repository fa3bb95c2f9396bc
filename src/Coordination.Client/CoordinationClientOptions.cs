namespace Coordination.Client;

/// <summary>Where the API is and who is calling.</summary>
public sealed class CoordinationClientOptions
{
    /// <summary>The service's root address, e.g. <c>https://coord.example.net/</c> or <c>http://127.0.0.1:7071/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The bearer credential: an agent token, or a tenant API key (<c>ck_…</c>) for tenant calls.</summary>
    public string? Token { get; set; }

    /// <summary>The swarm an agent token belongs to; every swarm-scoped call goes to it.</summary>
    public string? SwarmId { get; set; }

    /// <summary>How many times a throttled (429) or unavailable (503) answer is retried (default 3; 0 turns retries off).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay when the answer has no Retry-After; later retries back off exponentially with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
