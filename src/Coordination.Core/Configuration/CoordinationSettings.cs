using Coordination.Storage;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.Core.Configuration;

/// <summary>
/// Every setting the app reads, in one place. Names are configuration keys: environment variables use
/// <c>__</c> for <c>:</c> (e.g. <c>Coordination__TableName</c>). <see cref="Describe"/> lists them so
/// the sample settings file, the Bicep app settings and the docs can be checked against this class.
/// </summary>
public sealed class CoordinationSettings
{
    /// <summary>Host storage: a connection string (<c>UseDevelopmentStorage=true</c> locally).</summary>
    public const string StorageKey = "AzureWebJobsStorage";

    /// <summary>Prefix of the identity-based storage settings (<c>AzureWebJobsStorage__tableServiceUri</c> …).</summary>
    public const string StorageIdentityPrefix = "AzureWebJobsStorage:";

    /// <summary>Table holding every swarm's rows.</summary>
    public string TableName { get; init; } = "coordination";

    /// <summary>Queue carrying coalesced wake-up messages for the dispatch trigger.</summary>
    public string WakeQueueName { get; init; } = "coordination-wake";

    /// <summary>Largest accepted request body, in bytes; larger bodies answer 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Where the app listens when no Functions host started it.</summary>
    public string StandaloneUrl { get; init; } = "http://127.0.0.1:7071";

    /// <summary>The storage connection string, when key based.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Table service URI for identity-based storage.</summary>
    public Uri? TableServiceUri { get; init; }

    /// <summary>Queue service URI for identity-based storage.</summary>
    public Uri? QueueServiceUri { get; init; }

    /// <summary>Client id of a user-assigned managed identity (identity-based storage), or null for system-assigned.</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>One setting the app reads: its configuration key, whether start-up needs it, and what it is for.</summary>
    public sealed record SettingInfo(string Key, bool Required, string Description);

    /// <summary>
    /// The settings this class reads. Storage is required in one of two forms (connection string, or
    /// account/service URIs with a managed identity); the rest have defaults.
    /// </summary>
    public static IReadOnlyList<SettingInfo> Describe() =>
    [
        new(StorageKey, false, "Storage connection string; required unless the identity-based AzureWebJobsStorage__* settings are given."),
        new("AzureWebJobsStorage__accountName", false, "Storage account name for identity-based access (derives the table and queue URIs)."),
        new("AzureWebJobsStorage__tableServiceUri", false, "Table service URI for identity-based access."),
        new("AzureWebJobsStorage__queueServiceUri", false, "Queue service URI for identity-based access."),
        new("AzureWebJobsStorage__credential", false, "'managedidentity' for identity-based access."),
        new("AzureWebJobsStorage__clientId", false, "Client id of the user-assigned managed identity."),
        new("Coordination__TableName", false, "Table name (default 'coordination')."),
        new("Coordination__WakeQueueName", false, "Wake-up queue name (default 'coordination-wake')."),
        new("Coordination__MaxRequestBodyBytes", false, "Largest request body in bytes (default 1048576)."),
        new("Coordination__StandaloneUrl", false, "Listen URL without a Functions host (default http://127.0.0.1:7071)."),
    ];

    /// <summary>Builds the storage connection these settings describe.</summary>
    /// <exception cref="InvalidOperationException">Neither form of storage settings is present or valid.</exception>
    public StorageConnection CreateStorageConnection(Func<string?, Azure.Core.TokenCredential> credentialFactory)
    {
        if (!string.IsNullOrWhiteSpace(StorageConnectionString))
        {
            try
            {
                return StorageConnection.Parse(StorageConnectionString);
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException($"{StorageKey} is not a valid storage connection string: {e.Message}", e);
            }
        }
        if (TableServiceUri is not null && QueueServiceUri is not null)
        {
            return StorageConnection.FromTokenCredential(TableServiceUri, QueueServiceUri, credentialFactory(ManagedIdentityClientId));
        }
        throw new InvalidOperationException(
            $"No storage configured: set {StorageKey} to a connection string, or AzureWebJobsStorage__accountName " +
            "(or __tableServiceUri and __queueServiceUri) for managed identity.");
    }

    /// <summary>Checks values that have a fixed shape; returns a message per problem.</summary>
    public IEnumerable<string> Validate()
    {
        if (!TableClient.IsValidTableName(TableName))
        {
            yield return $"Coordination__TableName '{TableName}' is not a valid table name.";
        }
        if (!QueueClient.IsValidQueueName(WakeQueueName))
        {
            yield return $"Coordination__WakeQueueName '{WakeQueueName}' is not a valid queue name.";
        }
        if (MaxRequestBodyBytes is < 1024 or > 64L * 1024 * 1024)
        {
            yield return $"Coordination__MaxRequestBodyBytes must be between 1024 and 67108864; got {MaxRequestBodyBytes}.";
        }
    }
}
