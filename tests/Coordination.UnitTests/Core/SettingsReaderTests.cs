using Coordination.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace Coordination.UnitTests.Core;

public sealed class SettingsReaderTests
{
    [Fact]
    public void Defaults_apply_when_nothing_is_set()
    {
        var settings = SettingsReader.Read(Config());

        Assert.Equal("coordination", settings.TableName);
        Assert.Equal("coordination-wake", settings.WakeQueueName);
        Assert.Equal(1024 * 1024, settings.MaxRequestBodyBytes);
        Assert.Equal("http://127.0.0.1:7071", settings.StandaloneUrl);
        Assert.Null(settings.StorageConnectionString);
        Assert.Null(settings.TableServiceUri);
        Assert.Null(settings.QueueServiceUri);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.StreamTokenLifetime);
    }

    [Fact]
    public void Values_are_read_from_the_Coordination_section()
    {
        var settings = SettingsReader.Read(Config(
            ("Coordination:TableName", "swarms"),
            ("Coordination:WakeQueueName", "wake-up"),
            ("Coordination:MaxRequestBodyBytes", "4096"),
            ("Coordination:StandaloneUrl", "http://127.0.0.1:9000"),
            ("Coordination:StreamTokenLifetimeSeconds", "120")));

        Assert.Equal("swarms", settings.TableName);
        Assert.Equal("wake-up", settings.WakeQueueName);
        Assert.Equal(4096, settings.MaxRequestBodyBytes);
        Assert.Equal("http://127.0.0.1:9000", settings.StandaloneUrl);
        Assert.Equal(TimeSpan.FromSeconds(120), settings.StreamTokenLifetime);
    }

    [Theory]
    [InlineData("Coordination:TableName", "bad-name", "Coordination__TableName")]
    [InlineData("Coordination:TableName", "tables", "Coordination__TableName")]
    [InlineData("Coordination:WakeQueueName", "Bad_Queue", "Coordination__WakeQueueName")]
    [InlineData("Coordination:MaxRequestBodyBytes", "10", "Coordination__MaxRequestBodyBytes")]
    [InlineData("Coordination:MaxRequestBodyBytes", "67108865", "Coordination__MaxRequestBodyBytes")]
    [InlineData("Coordination:MaxRequestBodyBytes", "1MB", "Coordination__MaxRequestBodyBytes")]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "not a uri", "AzureWebJobsStorage__tableServiceUri")]
    [InlineData("AzureWebJobsStorage:queueServiceUri", "/relative", "AzureWebJobsStorage__queueServiceUri")]
    [InlineData("Coordination:StreamTokenLifetimeSeconds", "5", "Coordination__StreamTokenLifetimeSeconds")]
    [InlineData("Coordination:StreamTokenLifetimeSeconds", "3601", "Coordination__StreamTokenLifetimeSeconds")]
    public void An_invalid_value_is_refused_naming_the_setting(string key, string value, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => SettingsReader.Read(Config((key, value))));

        Assert.Contains(named, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void Every_invalid_value_is_reported_at_once()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SettingsReader.Read(Config(
            ("Coordination:TableName", "x"), ("Coordination:WakeQueueName", "Y"))));

        Assert.Contains("Coordination__TableName", error.Message);
        Assert.Contains("Coordination__WakeQueueName", error.Message);
    }

    [Fact]
    public void Identity_based_storage_reads_the_table_and_queue_service_uris()
    {
        var settings = SettingsReader.Read(Config(
            ("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://acct.queue.core.windows.net")));

        Assert.Equal(new Uri("https://acct.table.core.windows.net"), settings.TableServiceUri);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), settings.QueueServiceUri);
        Assert.Null(settings.StorageConnectionString);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "AzureWebJobsStorage__tableServiceUri")]
    [InlineData("AzureWebJobsStorage:queueServiceUri", "AzureWebJobsStorage__queueServiceUri")]
    public void A_service_uri_that_is_not_http_fails_naming_the_setting(string key, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => SettingsReader.Read(Config((key, "/not/a/uri"))));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Every_described_setting_uses_the_environment_variable_form()
    {
        Assert.All(CoordinationSettings.All, s => Assert.DoesNotContain(":", s.Key));
        Assert.Equal(CoordinationSettings.All.Count, CoordinationSettings.All.Select(s => s.Key).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
}
