using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coordination.Core.Configuration;
using Coordination.Core.Storage;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests;

/// <summary>The committed sample settings, the Bicep app settings and the settings class cannot drift apart.</summary>
public sealed partial class SettingsFileTests
{
    /// <summary>Read by the Functions host, not by the app.</summary>
    private static readonly string[] HostOnlySettings = ["FUNCTIONS_WORKER_RUNTIME"];

    [Fact]
    public void Sample_settings_list_exactly_the_settings_the_app_reads_locally_with_their_defaults()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "local.settings.sample.json")))!["Values"]!.AsObject();
        // Pattern settings (<id>) appear in the sample for the tenant called "local".
        var expected = CoordinationSettings.All.Where(s => s.LocalValue is not null).ToDictionary(s => s.Key.Replace("<id>", "local", StringComparison.Ordinal), s => s.LocalValue);
        foreach (var host in HostOnlySettings)
        {
            Assert.True(sample.ContainsKey(host), $"the sample lacks host setting {host}");
        }
        var appKeys = sample.Select(p => p.Key).Except(HostOnlySettings).Order().ToArray();
        Assert.Equal(expected.Keys.Order().ToArray(), appKeys);
        foreach (var (key, value) in expected)
        {
            Assert.Equal(value, (string?)sample[key]);
        }
    }

    [Fact]
    public void Sample_settings_start_the_app_with_its_defaults()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "local.settings.sample.json")))!["Values"]!.AsObject();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(sample.Select(p => new KeyValuePair<string, string?>(p.Key.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value)))
            .Build();
        var read = SettingsReader.Read(configuration);
        var defaults = new CoordinationSettings();
        Assert.Equal(defaults.TableName, read.TableName);
        Assert.Equal(defaults.WakeQueueName, read.WakeQueueName);
        Assert.Equal(defaults.MaxRequestBodyBytes, read.MaxRequestBodyBytes);
        Assert.Equal(defaults.StandaloneUrl, read.StandaloneUrl);
        Assert.Equal("UseDevelopmentStorage=true", read.StorageConnectionString);
    }

    /// <summary>Host settings the Bicep sets for the Functions host, not read by the app.</summary>
    // Read by the host only: telemetry, and the blob service its own storage (keys, timer locks, the package) needs.
    private static readonly string[] BicepHostSettings = ["APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "AzureWebJobsStorage__blobServiceUri"];

    /// <summary>Settings Flex Consumption rejects (platform notes §1.8).</summary>
    private static readonly string[] FlexDeprecatedSettings =
    [
        "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "SCM_DO_BUILD_DURING_DEPLOYMENT", "ENABLE_ORYX_BUILD", "WEBSITE_TIME_ZONE", "TZ",
    ];

    [Fact]
    public void Every_setting_is_set_by_the_bicep_app_settings_or_listed_there_as_deliberately_not_set()
    {
        var (set, notSet) = BicepAppSettings();
        var setPatterns = set.Keys.Select(Pattern).ToList();
        var notSetPatterns = notSet.Select(Pattern).ToList();
        foreach (var setting in CoordinationSettings.All)
        {
            var key = Pattern(setting.Key);
            var isSet = setPatterns.Contains(key);
            var isNotSet = notSetPatterns.Contains(key);
            Assert.True(isSet || isNotSet, $"{setting.Key} is neither set in bicep/modules/functionapp.bicep nor listed there as 'not-set:'");
            Assert.False(isSet && isNotSet, $"{setting.Key} is both set and listed as not set");
        }
        var known = CoordinationSettings.All.Select(s => Pattern(s.Key)).ToHashSet();
        var stale = notSet.Where(k => !known.Contains(Pattern(k))).ToList();
        Assert.True(stale.Count == 0, "listed as not set but not a setting the app reads: " + string.Join(", ", stale));
        var unknown = set.Keys.Where(k => !known.Contains(Pattern(k)) && !BicepHostSettings.Contains(k)).ToList();
        Assert.True(unknown.Count == 0, "set in Bicep but read by neither the app nor the host: " + string.Join(", ", unknown));
        Assert.Empty(set.Keys.Intersect(FlexDeprecatedSettings));

        // Secrets never appear as literals: they are Key Vault references.
        Assert.StartsWith("'@Microsoft.KeyVault(SecretUri=", set["Coordination__TokenSigningKeys"], StringComparison.Ordinal);
        Assert.StartsWith("'@Microsoft.KeyVault(SecretUri=", set.Single(p => Pattern(p.Key) == Pattern(CoordinationSettings.TenantKeysSetting.Key)).Value, StringComparison.Ordinal);
        // Identity-based storage, never a connection string.
        Assert.Equal("'managedidentity'", set[CoordinationSettings.StorageCredential.Key]);
        Assert.DoesNotContain(CoordinationSettings.Storage.Key, set.Keys);
    }

    [Fact]
    public void The_identity_settings_the_bicep_sets_configure_the_apps_storage_without_a_connection_string()
    {
        var (set, _) = BicepAppSettings();
        Assert.Equal("'managedidentity'", set[CoordinationSettings.StorageCredential.Key]);
        Assert.Equal("identityClientId", set[CoordinationSettings.StorageClientId.Key]);
        Assert.Equal("storageTableEndpoint", set[CoordinationSettings.StorageTableServiceUri.Key]);
        Assert.Equal("storageQueueEndpoint", set[CoordinationSettings.StorageQueueServiceUri.Key]);
        // The host's own storage (keys, timer locks) needs the blob service too.
        Assert.Equal("storageBlobEndpoint", set["AzureWebJobsStorage__blobServiceUri"]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [CoordinationSettings.StorageTableServiceUri.ConfigurationPath] = "https://stexample.table.core.windows.net/",
            [CoordinationSettings.StorageQueueServiceUri.ConfigurationPath] = "https://stexample.queue.core.windows.net/",
            [CoordinationSettings.StorageCredential.ConfigurationPath] = "managedidentity",
            [CoordinationSettings.StorageClientId.ConfigurationPath] = Guid.NewGuid().ToString(),
        }).Build();
        var services = new ServiceCollection();
        services.AddCoordinationStorage(configuration, SettingsReader.Read(configuration));
        using var provider = services.BuildServiceProvider();

        var storage = provider.GetRequiredService<CoordinationStorage>();

        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(provider.GetRequiredService<Azure.Core.TokenCredential>());
        Assert.Equal("https://stexample.table.core.windows.net/coordination", storage.Table.Client.Uri.AbsoluteUri);
        Assert.Equal("https://stexample.queue.core.windows.net/coordination-wake", storage.WakeQueue.Client.Uri.AbsoluteUri);
    }

    /// <summary>
    /// The app settings object of bicep/modules/functionapp.bicep (key → Bicep expression) and its 'not-set:' list.
    /// </summary>
    internal static (Dictionary<string, string> Set, List<string> NotSet) BicepAppSettings()
    {
        var text = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "bicep", "modules", "functionapp.bicep"));
        var block = AppSettingsBlock().Match(text);
        Assert.True(block.Success, "functionapp.bicep has no 'var appSettings = { ... }' block");
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var entry = AppSettingLine().Match(line);
            Assert.True(entry.Success, $"unexpected line in appSettings: {line}");
            set.Add(entry.Groups["key"].Value, entry.Groups["value"].Value);
        }
        var notSet = NotSetLine().Matches(text).Select(m => m.Groups["key"].Value).ToList();
        return (set, notSet);
    }

    /// <summary>A key with its variable parts (<c>&lt;id&gt;</c>, <c>${param}</c>) made comparable.</summary>
    private static string Pattern(string key) => VariablePart().Replace(key, "<>");

    [GeneratedRegex(@"^var appSettings = \{\n(?<body>.*?)^\}", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex AppSettingsBlock();

    [GeneratedRegex(@"^'?(?<key>[A-Za-z0-9_${}]+)'?\s*:\s*(?<value>.+)$")]
    private static partial Regex AppSettingLine();

    [GeneratedRegex(@"^// not-set: (?<key>\S+) = \S", RegexOptions.Multiline)]
    private static partial Regex NotSetLine();

    [GeneratedRegex(@"<[^>]+>|\$\{[^}]+\}")]
    private static partial Regex VariablePart();
}
