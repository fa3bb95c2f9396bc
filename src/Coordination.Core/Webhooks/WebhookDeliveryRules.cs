namespace Coordination.Core.Webhooks;

/// <summary>
/// When a failed delivery is tried again, and when an endpoint is given up on. <see cref="Delays"/>[i] is the wait
/// before attempt i + 1 (the first is 0: at once), so the default is Svix's schedule: at once, 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h, eight attempts over about 27.6 hours. Settings, so tests can shrink them.
/// </summary>
/// <param name="Delays">The wait before each attempt; the count is the number of attempts.</param>
/// <param name="Jitter">Each wait varies by up to this fraction either way, so retries of many messages spread out.</param>
/// <param name="DisableAfterFailing">An endpoint whose every delivery failed for this long is disabled.</param>
/// <param name="LongestRetryAfter">The longest Retry-After honoured; a longer one waits this long.</param>
public sealed record WebhookRetryPolicy(IReadOnlyList<TimeSpan> Delays, double Jitter, TimeSpan DisableAfterFailing, TimeSpan LongestRetryAfter)
{
    /// <summary>The default policy (spec §11).</summary>
    public static WebhookRetryPolicy Default { get; } = new(
        [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)],
        Jitter: 0.1, DisableAfterFailing: TimeSpan.FromDays(5), LongestRetryAfter: TimeSpan.FromHours(10));

    /// <summary>Attempts per message.</summary>
    public int MaxAttempts => Delays.Count;
}

/// <summary>What one attempt came to, as the receiver answered (or failed to).</summary>
/// <param name="Status">The HTTP status, or null when there was no answer (timeout, refused address, dropped connection).</param>
/// <param name="RetryAfter">The answer's Retry-After, if any.</param>
/// <param name="AbortRequested">The answer carried <c>webhook-delivery: abort-message</c>.</param>
public sealed record AttemptOutcome(int? Status, TimeSpan? RetryAfter = null, bool AbortRequested = false)
{
    /// <summary>A 2xx answer (within the attempt's timeout, or there would be no status).</summary>
    public bool Delivered => Status is >= 200 and <= 299;
}

/// <summary>What becomes of a message after an attempt.</summary>
public enum DeliveryVerdict
{
    /// <summary>Delivered: done.</summary>
    Delivered,

    /// <summary>Failed; try again at <see cref="DeliveryDecision.NextAttemptAt"/>.</summary>
    RetryLater,

    /// <summary>Failed on its last attempt: the message is failed (<c>webhook.message_exhausted</c>).</summary>
    Exhausted,

    /// <summary>The receiver asked to stop retrying this message (<c>webhook-delivery: abort-message</c>).</summary>
    Aborted,

    /// <summary>410 Gone: the endpoint is disabled at once.</summary>
    EndpointGone,
}

/// <summary>The decision after an attempt.</summary>
/// <param name="Verdict">What becomes of the message.</param>
/// <param name="NextAttemptAt">When to try again (<see cref="DeliveryVerdict.RetryLater"/> only).</param>
/// <param name="DisableEndpoint">Why the endpoint is to be disabled now, if it is.</param>
public sealed record DeliveryDecision(DeliveryVerdict Verdict, DateTimeOffset? NextAttemptAt = null, string? DisableEndpoint = null);

/// <summary>The pure rules of webhook retries (spec §11); the delivery worker applies them and records the outcome.</summary>
public static class WebhookDeliveryRules
{
    /// <summary>Decides what follows attempt number <paramref name="attempt"/> (1-based) of a message.</summary>
    /// <param name="outcome">How the attempt went.</param>
    /// <param name="attempt">Which attempt this was (1 for the first).</param>
    /// <param name="now">When it ended.</param>
    /// <param name="failingSince">When the endpoint's current run of failures began (null: its last delivery succeeded).</param>
    /// <param name="policy">The schedule and thresholds.</param>
    /// <param name="jitterSample">A uniform sample in [0, 1) that places the jitter.</param>
    public static DeliveryDecision Decide(AttemptOutcome outcome, int attempt, DateTimeOffset now, DateTimeOffset? failingSince, WebhookRetryPolicy policy, double jitterSample)
    {
        if (outcome.Delivered)
        {
            return new DeliveryDecision(DeliveryVerdict.Delivered);
        }
        if (outcome.Status == 410)
        {
            return new DeliveryDecision(DeliveryVerdict.EndpointGone, DisableEndpoint: "the endpoint answered 410 Gone");
        }
        var disable = now - (failingSince ?? now) >= policy.DisableAfterFailing
            ? $"every delivery failed for {policy.DisableAfterFailing.TotalDays:0.##} days (since {failingSince:u})"
            : null;
        if (outcome.AbortRequested)
        {
            return new DeliveryDecision(DeliveryVerdict.Aborted, DisableEndpoint: disable);
        }
        if (attempt >= policy.MaxAttempts)
        {
            return new DeliveryDecision(DeliveryVerdict.Exhausted, DisableEndpoint: disable);
        }
        var wait = Jittered(policy.Delays[attempt], policy.Jitter, jitterSample);
        // 429 and 503 say when to come back; other statuses' Retry-After are not a promise about this endpoint.
        if (outcome.Status is 429 or 503 && outcome.RetryAfter is { } retryAfter && retryAfter > wait)
        {
            wait = retryAfter < policy.LongestRetryAfter ? retryAfter : policy.LongestRetryAfter;
        }
        return new DeliveryDecision(DeliveryVerdict.RetryLater, now + wait, disable);
    }

    private static TimeSpan Jittered(TimeSpan delay, double jitter, double sample) =>
        delay * (1 + jitter * (2 * Math.Clamp(sample, 0, 1) - 1));
}
