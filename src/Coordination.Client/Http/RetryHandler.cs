using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Coordination.Client.Http;

/// <summary>
/// The client's one retry policy: a throttled (429) or unavailable (503) answer is retried, after its Retry-After when
/// it has one and with jittered exponential back-off otherwise. Nothing else is retried: the API answers 429 and 503
/// only before it changes anything, while a lost connection may have lost the answer to a change that happened.
/// </summary>
internal static class RetryHandler
{
    /// <summary>The retry strategy's options for <paramref name="options"/>.</summary>
    public static HttpRetryStrategyOptions StrategyOptions(CoordinationClientOptions options) => new()
    {
        MaxRetryAttempts = Math.Max(1, options.MaxRetries),
        Delay = options.RetryBaseDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        ShouldRetryAfterHeader = true,
        ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable),
    };

    /// <summary>A handler that applies the policy in front of <paramref name="inner"/> (for clients built without DI).</summary>
    public static HttpMessageHandler Create(CoordinationClientOptions options, HttpMessageHandler inner)
    {
        if (options.MaxRetries <= 0)
        {
            return inner;
        }
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(StrategyOptions(options)).Build();
        return new ResilienceHandler(pipeline) { InnerHandler = inner };
    }
}
