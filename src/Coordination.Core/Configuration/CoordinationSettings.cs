using Azure.Core;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;
using Coordination.Storage.WebPubSub;

namespace Coordination.Core.Configuration;

/// <summary>One setting the app reads.</summary>
/// <param name="Key">The app-setting / environment-variable name (<c>__</c> separates sections).</param>
/// <param name="LocalValue">The value <c>local.settings.sample.json</c> carries, or null when the setting is not used locally.</param>
/// <param name="Description">What it is for, and its default.</param>
public sealed record SettingInfo(string Key, string? LocalValue, string Description)
{
    /// <summary>The configuration path (<c>:</c>-separated) for this key.</summary>
    public string ConfigurationPath => Key.Replace("__", ":", StringComparison.Ordinal);
}

/// <summary>
/// Every setting the app reads, in one place: <see cref="All"/> is the list the reader, the sample settings
/// file and the deployment templates are checked against, so they cannot drift apart silently.
/// Storage is required in one of two forms, as the Functions host reads it: <see cref="Storage"/> (a connection string)
/// or the identity-based <c>AzureWebJobsStorage__tableServiceUri</c> / <c>__queueServiceUri</c> settings. Everything else
/// has a default.
/// </summary>
public sealed class CoordinationSettings
{
    /// <summary>Storage connection string (<c>UseDevelopmentStorage=true</c> locally).</summary>
    public static readonly SettingInfo Storage = new("AzureWebJobsStorage", "UseDevelopmentStorage=true",
        "Storage connection string; required unless the identity-based AzureWebJobsStorage__* settings are given.");

    /// <summary>Table service URI for identity-based storage.</summary>
    public static readonly SettingInfo StorageTableServiceUri = new("AzureWebJobsStorage__tableServiceUri", null,
        "Table service URI for identity-based access, e.g. https://<account>.table.core.windows.net.");

    /// <summary>Queue service URI for identity-based storage.</summary>
    public static readonly SettingInfo StorageQueueServiceUri = new("AzureWebJobsStorage__queueServiceUri", null,
        "Queue service URI for identity-based access, e.g. https://<account>.queue.core.windows.net.");

    /// <summary>Credential kind for identity-based storage.</summary>
    public static readonly SettingInfo StorageCredential = new("AzureWebJobsStorage__credential", null,
        "'managedidentity' for identity-based access (read by the Functions host and the app); unset: the default Azure credential chain.");

    /// <summary>User-assigned identity client id.</summary>
    public static readonly SettingInfo StorageClientId = new("AzureWebJobsStorage__clientId", null,
        "Client id of the user-assigned managed identity; omit for a system-assigned identity.");

    /// <summary>Table name.</summary>
    public static readonly SettingInfo TableNameSetting = new("Coordination__TableName", "coordination", "Table holding every swarm's rows (default 'coordination').");

    /// <summary>Wake-up queue name.</summary>
    public static readonly SettingInfo WakeQueueSetting = new("Coordination__WakeQueueName", "coordination-wake", "Queue of coalesced wake-up messages (default 'coordination-wake').");

    /// <summary>Request body limit.</summary>
    public static readonly SettingInfo MaxRequestBodySetting = new("Coordination__MaxRequestBodyBytes", "1048576", "Largest request body in bytes; larger bodies answer 413 (default 1048576).");

    /// <summary>Standalone listen URL.</summary>
    public static readonly SettingInfo StandaloneUrlSetting = new("Coordination__StandaloneUrl", "http://127.0.0.1:7071", "Listen URL when no Functions host started the app (default http://127.0.0.1:7071).");

    /// <summary>Tenant API keys; <c>&lt;id&gt;</c> is the tenant id (one group of settings per tenant).</summary>
    public static readonly SettingInfo TenantKeysSetting = new("Coordination__Tenants__<id>__Keys", "ck_local_development_key_change_me",
        "API keys of tenant <id>, separated by ';' (each 'ck_' + at least 17 characters; list two while rotating).");

    /// <summary>Tenant limits.</summary>
    public static readonly SettingInfo TenantLimitsSetting = new("Coordination__Tenants__<id>__<Limit>", null,
        "Limits of tenant <id>: MaxSwarms (100), MaxAgentsPerSwarm (200), MaxLocksPerSwarm (1000), MaxTasksPerSwarm (100000), MaxPayloadBytes (65536).");

    /// <summary>Agent token signing keys.</summary>
    public static readonly SettingInfo TokenSigningKeysSetting = new("Coordination__TokenSigningKeys", "local:local-development-signing-secret-change-me",
        "Agent token signing keys 'keyId:secret;keyId:secret' (secrets of 32+ characters); the first signs, all verify.");

    /// <summary>Agent token lifetime.</summary>
    public static readonly SettingInfo TokenLifetimeSetting = new("Coordination__AgentTokenLifetimeHours", "168", "Agent token lifetime in hours (default 168).");

    /// <summary>Stream token lifetime.</summary>
    public static readonly SettingInfo StreamTokenLifetimeSetting = new("Coordination__StreamTokenLifetimeSeconds", null,
        "Lifetime of stream tokens (POST /api/swarms/{id}/stream-tokens; read-only, for ?access_token= on SSE) in seconds, 10 to 3600 (default 300).");

    /// <summary>Presence TTL.</summary>
    public static readonly SettingInfo PresenceTtlSetting = new("Coordination__PresenceTtlSeconds", "90", "An agent whose last heartbeat is older than this is offline (default 90).");

    /// <summary>Fallback poll of streams and long-polls.</summary>
    public static readonly SettingInfo EventPollSetting = new("Coordination__EventPollMilliseconds", "2000",
        "How often streams and long-polls look for events written through other instances (default 2000); events from this instance wake them at once.");

    /// <summary>Diagnostics: storage calls per request.</summary>
    public static readonly SettingInfo ReportStorageCallsSetting = new("Coordination__ReportStorageCalls", null,
        "true: every response carries X-Storage-Calls, the storage calls the request made (tests and the benchmark; default false).");
    /// <summary>Web PubSub with an access key.</summary>
    public static readonly SettingInfo WebPubSubConnectionStringSetting = new("Coordination__WebPubSubConnectionString", null,
        "Web PubSub connection string 'Endpoint=https://<name>.webpubsub.azure.com;AccessKey=…;Version=1.0;' for real-time fan-out; unset (and no endpoint) = SSE and polling only.");

    /// <summary>Web PubSub with a managed identity.</summary>
    public static readonly SettingInfo WebPubSubEndpointSetting = new("Coordination__WebPubSubEndpoint", null,
        "Web PubSub endpoint for managed-identity access (the identity of AzureWebJobsStorage__clientId, or system-assigned); ignored when the connection string is set.");

    /// <summary>Web PubSub hub.</summary>
    public static readonly SettingInfo WebPubSubHubSetting = new("Coordination__WebPubSubHub", null, "Web PubSub hub the app publishes to (default 'coordination').");

    /// <summary>Standalone schedule overrides.</summary>
    public static readonly SettingInfo ScheduleOverrideSetting = new("Coordination__Schedules__<Function>", null,
        "Standalone only: replaces a timer's NCRONTAB schedule (the Functions host uses function.json).");

    /// <summary>Every setting, in documentation order.</summary>
    public static IReadOnlyList<SettingInfo> All { get; } =
    [
        Storage, StorageTableServiceUri, StorageQueueServiceUri, StorageCredential, StorageClientId,
        TableNameSetting, WakeQueueSetting, MaxRequestBodySetting, StandaloneUrlSetting,
        TenantKeysSetting, TenantLimitsSetting, TokenSigningKeysSetting, TokenLifetimeSetting, StreamTokenLifetimeSetting, PresenceTtlSetting, EventPollSetting,
        WebPubSubConnectionStringSetting, WebPubSubEndpointSetting, WebPubSubHubSetting, ReportStorageCallsSetting, ScheduleOverrideSetting,
    ];

    /// <summary>Table holding every swarm's rows.</summary>
    public string TableName { get; init; } = TableNameSetting.LocalValue!;

    /// <summary>Queue carrying coalesced wake-up messages for the dispatch trigger.</summary>
    public string WakeQueueName { get; init; } = WakeQueueSetting.LocalValue!;

    /// <summary>Largest accepted request body, in bytes; larger bodies answer 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Where the app listens when no Functions host started it.</summary>
    public string StandaloneUrl { get; init; } = StandaloneUrlSetting.LocalValue!;

    /// <summary>Agent token lifetime.</summary>
    public TimeSpan AgentTokenLifetime { get; init; } = TimeSpan.FromHours(168);

    /// <summary>Stream token lifetime: short, because the token travels in a URL.</summary>
    public TimeSpan StreamTokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Heartbeat age after which an agent is offline.</summary>
    public TimeSpan PresenceTtl { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Fallback poll interval of streams and long-polls.</summary>
    public TimeSpan EventPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether responses report their storage calls.</summary>
    public bool ReportStorageCalls { get; init; }
    /// <summary>Web PubSub connection string (access key), or null.</summary>
    public string? WebPubSubConnectionString { get; init; }

    /// <summary>Web PubSub endpoint for managed identity, or null.</summary>
    public Uri? WebPubSubEndpoint { get; init; }

    /// <summary>Web PubSub hub.</summary>
    public string WebPubSubHub { get; init; } = "coordination";

    /// <summary>The storage connection string, when key based.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>Table service URI for identity-based storage.</summary>
    public Uri? TableServiceUri { get; init; }

    /// <summary>Queue service URI for identity-based storage.</summary>
    public Uri? QueueServiceUri { get; init; }

    /// <summary>The Web PubSub connection these settings describe, or null when real-time fan-out is not configured.</summary>
    /// <param name="credential">The storage identity (<c>AzureWebJobsStorage__credential</c> / <c>__clientId</c>), asked for only when needed.</param>
    public WebPubSubConnection? CreateWebPubSubConnection(Func<TokenCredential> credential)
    {
        if (!string.IsNullOrWhiteSpace(WebPubSubConnectionString))
        {
            return WebPubSubConnection.Parse(WebPubSubConnectionString);
        }
        return WebPubSubEndpoint is null ? null : WebPubSubConnection.FromTokenCredential(WebPubSubEndpoint, credential());
    }

    /// <summary>Checks values that have a fixed shape; returns a message per problem.</summary>
    public IEnumerable<string> Validate()
    {
        if (!TableStore.IsValidTableName(TableName))
        {
            yield return $"{TableNameSetting.Key} '{TableName}' is not a valid table name.";
        }
        if (!StorageQueue.IsValidQueueName(WakeQueueName))
        {
            yield return $"{WakeQueueSetting.Key} '{WakeQueueName}' is not a valid queue name.";
        }
        if (AgentTokenLifetime <= TimeSpan.Zero || PresenceTtl <= TimeSpan.Zero)
        {
            yield return $"{TokenLifetimeSetting.Key} and {PresenceTtlSetting.Key} must be positive.";
        }
        if (StreamTokenLifetime < TimeSpan.FromSeconds(10) || StreamTokenLifetime > TimeSpan.FromHours(1))
        {
            yield return $"{StreamTokenLifetimeSetting.Key} must be between 10 and 3600 seconds; got {StreamTokenLifetime.TotalSeconds:0}.";
        }
        if (EventPollInterval < TimeSpan.FromMilliseconds(50) || EventPollInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"{EventPollSetting.Key} must be between 50 and 60000.";
        }
        if (!WebPubSubServiceClient.IsValidHubName(WebPubSubHub))
        {
            yield return $"{WebPubSubHubSetting.Key} '{WebPubSubHub}' is not a valid hub name (a letter, then letters, digits or '_').";
        }
        if (!string.IsNullOrWhiteSpace(WebPubSubConnectionString))
        {
            string? problem = null;
            try
            {
                WebPubSubConnection.Parse(WebPubSubConnectionString);
            }
            catch (FormatException e)
            {
                problem = $"{WebPubSubConnectionStringSetting.Key} is not valid: {e.Message}";
            }
            if (problem is not null)
            {
                yield return problem;
            }
        }
        if (MaxRequestBodyBytes is < 1024 or > 64L * 1024 * 1024)
        {
            yield return $"{MaxRequestBodySetting.Key} must be between 1024 and 67108864; got {MaxRequestBodyBytes}.";
        }
    }
}
