using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Coordination.Core.Configuration;
using Coordination.Storage;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coordination.Core.Storage;

/// <summary>
/// Registers the official Table and Queue service clients once, the way the Functions host reads its own storage:
/// <c>AzureWebJobsStorage</c> as a connection string (Azurite locally), or <c>AzureWebJobsStorage__tableServiceUri</c> and
/// <c>__queueServiceUri</c> with the credential the same section describes (<c>__credential=managedidentity</c>,
/// <c>__clientId</c>) in Azure. Every client shares one retry policy (<see cref="StorageClientDefaults"/>) and the call counter.
/// </summary>
public static class StorageRegistration
{
    /// <summary>
    /// The queue service version the clients speak: pinned rather than "the SDK's newest", so an SDK update cannot move
    /// past what the emulator accepts. Azurite 3.37 (our pinned emulator) accepts versions up to 2026-06-06.
    /// </summary>
    public const QueueClientOptions.ServiceVersion QueueServiceVersion = QueueClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>Adds the storage clients, <see cref="CoordinationStorage"/>, the call counter and the storage credential.</summary>
    public static IServiceCollection AddCoordinationStorage(this IServiceCollection services, IConfiguration configuration, CoordinationSettings settings)
    {
        var counter = new StorageCallCounter();
        services.AddSingleton(counter);
        // The credential the AzureWebJobsStorage section describes; Web PubSub reaches its service with the same identity.
        services.TryAddSingleton<TokenCredential>(sp =>
            sp.GetRequiredService<AzureComponentFactory>().CreateTokenCredential(configuration.GetSection(CoordinationSettings.Storage.ConfigurationPath)));
        services.AddAzureClients(clients =>
        {
            // Built on first use, not here: the build step that writes function.json runs the app without any storage settings.
            // The credential comes from the container rather than UseCredential: the component factory falls back to the
            // builder's default credential, so routing that default back to our registration would loop.
            clients.AddClient<TableServiceClient, TableClientOptions>((options, sp) =>
                settings.StorageConnectionString is { } connection ? Parsed(() => new TableServiceClient(connection, options))
                    : new TableServiceClient(settings.TableServiceUri ?? throw NotConfigured(), sp.GetRequiredService<TokenCredential>(), options));
            clients.AddClient<QueueServiceClient, QueueClientOptions>((options, sp) =>
                {
                    // A client takes the options as they are when it is built: the verbatim one (for poison copies) has
                    // no encoding and no decoding handler; the app's reads and writes base64, as Functions queue triggers do.
                    options.MessageEncoding = QueueMessageEncoding.None;
                    var verbatim = QueueService(options, sp);
                    options.MessageEncoding = QueueMessageEncoding.Base64;
                    var logger = sp.GetService<ILoggerFactory>()?.CreateLogger(typeof(UndecodableMessages)) ?? NullLogger.Instance;
                    UndecodableMessages.MoveToPoison(options, verbatim, logger);
                    return QueueService(options, sp);
                })
                .WithVersion(QueueServiceVersion);
            clients.ConfigureDefaults(options => StorageClientDefaults.Apply(options, counter));
        });
        services.AddSingleton(sp => new CoordinationStorage(sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<QueueServiceClient>(), settings));
        return services;

        QueueServiceClient QueueService(QueueClientOptions options, IServiceProvider sp) =>
            settings.StorageConnectionString is { } connection ? Parsed(() => new QueueServiceClient(connection, options))
                : new QueueServiceClient(settings.QueueServiceUri ?? throw NotConfigured(), sp.GetRequiredService<TokenCredential>(), options);
    }

    /// <summary>A client from the connection string, or an error that names the setting (never echoing the string: it holds the key).</summary>
    private static T Parsed<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{CoordinationSettings.Storage.Key} is not a valid storage connection string: {e.Message}", e);
        }
    }

    private static InvalidOperationException NotConfigured() => new(
        $"No storage configured: set {CoordinationSettings.Storage.Key} to a connection string, or {CoordinationSettings.StorageTableServiceUri.Key} " +
        $"and {CoordinationSettings.StorageQueueServiceUri.Key} (with {CoordinationSettings.StorageCredential.Key}=managedidentity) for an identity.");
}
