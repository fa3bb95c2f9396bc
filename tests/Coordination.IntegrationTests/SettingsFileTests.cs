using System.Text.Json.Nodes;
using Coordination.Core.Configuration;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Coordination.IntegrationTests;

/// <summary>The committed sample settings and the settings class cannot drift apart.</summary>
public sealed class SettingsFileTests
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
}
