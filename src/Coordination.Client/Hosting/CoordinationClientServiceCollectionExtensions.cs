using Coordination.Client.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Coordination.Client.Hosting;

/// <summary>Registers <see cref="CoordinationClient"/> with dependency injection.</summary>
public static class CoordinationClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CoordinationClient"/> as a typed HTTP client (pooled connections from
    /// <c>IHttpClientFactory</c>) with the client's retry policy: 429 and 503 are retried, honouring Retry-After.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the base address, credential and swarm.</param>
    /// <returns>The HTTP client builder, to add handlers.</returns>
    public static IHttpClientBuilder AddCoordinationClient(this IServiceCollection services, Action<CoordinationClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CoordinationClientOptions>().Configure(configure);
        var builder = services.AddHttpClient(nameof(CoordinationClient));
        builder.AddTypedClient((http, provider) =>
        {
            var options = provider.GetRequiredService<IOptions<CoordinationClientOptions>>().Value;
            http.Timeout = Timeout.InfiniteTimeSpan;   // long polls and streams run as long as their own wait
            return new CoordinationClient(http, options);
        });
        builder.AddResilienceHandler("coordination-retry", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<CoordinationClientOptions>>().Value;
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(RetryHandler.StrategyOptions(options));
            }
        });
        return builder;
    }
}
