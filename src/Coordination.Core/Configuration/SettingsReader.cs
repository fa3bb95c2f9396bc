using Microsoft.Extensions.Configuration;

namespace Coordination.Core.Configuration;

/// <summary>Reads <see cref="CoordinationSettings"/> from configuration (environment variables, local settings).</summary>
public static class SettingsReader
{
    /// <summary>Reads and validates the settings.</summary>
    /// <exception cref="InvalidOperationException">A setting has an invalid value.</exception>
    public static CoordinationSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Coordination");
        var storage = configuration.GetSection("AzureWebJobsStorage");
        var account = storage["accountName"];
        var settings = new CoordinationSettings
        {
            TableName = section["TableName"] ?? "coordination",
            WakeQueueName = section["WakeQueueName"] ?? "coordination-wake",
            MaxRequestBodyBytes = ReadLong(section, "MaxRequestBodyBytes", 1024 * 1024),
            StandaloneUrl = section["StandaloneUrl"] ?? "http://127.0.0.1:7071",
            StorageConnectionString = storage.Value,
            TableServiceUri = ReadServiceUri(storage, "tableServiceUri") ?? (account is null ? null : new Uri($"https://{account}.table.core.windows.net")),
            QueueServiceUri = ReadServiceUri(storage, "queueServiceUri") ?? (account is null ? null : new Uri($"https://{account}.queue.core.windows.net")),
            ManagedIdentityClientId = storage["clientId"],
        };
        var problems = settings.Validate().ToList();
        return problems.Count == 0 ? settings : throw new InvalidOperationException(string.Join(" ", problems));
    }

    private static long ReadLong(IConfiguration section, string key, long fallback) =>
        section[key] is { } text
            ? long.TryParse(text, out var value) ? value : throw new InvalidOperationException($"Coordination__{key} must be a whole number; got '{text}'.")
            : fallback;

    // Only http(s) is a service URI: on Linux Uri.TryCreate("/path", Absolute) succeeds as file:///path.
    private static Uri? ReadServiceUri(IConfiguration storage, string key) =>
        storage[key] is not { } text ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri
        : throw new InvalidOperationException($"AzureWebJobsStorage__{key} must be an absolute http(s) URI; got '{text}'.");
}
