using Microsoft.Extensions.Configuration;

namespace Coordination.Core.Configuration;

/// <summary>Reads <see cref="CoordinationSettings"/> from configuration (environment variables, local settings, arguments).</summary>
public static class SettingsReader
{
    /// <summary>Reads and validates the settings. Empty values count as unset.</summary>
    /// <exception cref="InvalidOperationException">A setting has an invalid value.</exception>
    public static CoordinationSettings Read(IConfiguration configuration)
    {
        string? Value(SettingInfo setting) => configuration[setting.ConfigurationPath] is { Length: > 0 } v ? v : null;

        var defaults = new CoordinationSettings();
        var settings = new CoordinationSettings
        {
            TableName = Value(CoordinationSettings.TableNameSetting) ?? defaults.TableName,
            WakeQueueName = Value(CoordinationSettings.WakeQueueSetting) ?? defaults.WakeQueueName,
            MaxRequestBodyBytes = ReadLong(CoordinationSettings.MaxRequestBodySetting, Value(CoordinationSettings.MaxRequestBodySetting)) ?? defaults.MaxRequestBodyBytes,
            StandaloneUrl = Value(CoordinationSettings.StandaloneUrlSetting) ?? defaults.StandaloneUrl,
            AgentTokenLifetime = ReadLong(CoordinationSettings.TokenLifetimeSetting, Value(CoordinationSettings.TokenLifetimeSetting)) is { } hours ? TimeSpan.FromHours(hours) : defaults.AgentTokenLifetime,
            StreamTokenLifetime = ReadLong(CoordinationSettings.StreamTokenLifetimeSetting, Value(CoordinationSettings.StreamTokenLifetimeSetting)) is { } streamSeconds
                ? TimeSpan.FromSeconds(streamSeconds) : defaults.StreamTokenLifetime,
            PresenceTtl = ReadLong(CoordinationSettings.PresenceTtlSetting, Value(CoordinationSettings.PresenceTtlSetting)) is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.PresenceTtl,
            EventPollInterval = ReadLong(CoordinationSettings.EventPollSetting, Value(CoordinationSettings.EventPollSetting)) is { } ms ? TimeSpan.FromMilliseconds(ms) : defaults.EventPollInterval,
            ReportStorageCalls = Value(CoordinationSettings.ReportStorageCallsSetting) is { } report
                && (bool.TryParse(report, out var on) ? on : throw new InvalidOperationException($"{CoordinationSettings.ReportStorageCallsSetting.Key} must be true or false; got '{report}'.")),
            StorageConnectionString = Value(CoordinationSettings.Storage),
            TableServiceUri = ReadUri(CoordinationSettings.StorageTableServiceUri, Value(CoordinationSettings.StorageTableServiceUri)),
            QueueServiceUri = ReadUri(CoordinationSettings.StorageQueueServiceUri, Value(CoordinationSettings.StorageQueueServiceUri)),
            WebPubSubConnectionString = Value(CoordinationSettings.WebPubSubConnectionStringSetting),
            WebPubSubEndpoint = ReadUri(CoordinationSettings.WebPubSubEndpointSetting, Value(CoordinationSettings.WebPubSubEndpointSetting)),
            WebPubSubHub = Value(CoordinationSettings.WebPubSubHubSetting) ?? defaults.WebPubSubHub,
        };
        var problems = settings.Validate().ToList();
        return problems.Count == 0 ? settings : throw new InvalidOperationException(string.Join(" ", problems));
    }

    private static long? ReadLong(SettingInfo setting, string? text) =>
        text is null ? null
        : long.TryParse(text, out var value) ? value
        : throw new InvalidOperationException($"{setting.Key} must be a whole number; got '{text}'.");

    // Only http(s) is a service URI: on Linux Uri.TryCreate("/path", Absolute) succeeds as file:///path.
    private static Uri? ReadUri(SettingInfo setting, string? text) =>
        text is null ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri
        : throw new InvalidOperationException($"{setting.Key} must be an absolute http(s) URI; got '{text}'.");
}
