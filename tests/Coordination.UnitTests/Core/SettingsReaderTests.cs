using Azure.Core;
using Coordination.Core.Configuration;
using Coordination.Storage;
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
        Assert.Null(settings.ManagedIdentityClientId);
    }

    [Fact]
    public void Values_are_read_from_the_Coordination_section()
    {
        var settings = SettingsReader.Read(Config(
            ("Coordination:TableName", "swarms"),
            ("Coordination:WakeQueueName", "wake-up"),
            ("Coordination:MaxRequestBodyBytes", "4096"),
            ("Coordination:StandaloneUrl", "http://127.0.0.1:9000")));

        Assert.Equal("swarms", settings.TableName);
        Assert.Equal("wake-up", settings.WakeQueueName);
        Assert.Equal(4096, settings.MaxRequestBodyBytes);
        Assert.Equal("http://127.0.0.1:9000", settings.StandaloneUrl);
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
    public void An_account_name_derives_https_table_and_queue_uris()
    {
        var settings = SettingsReader.Read(Config(("AzureWebJobsStorage:accountName", "acct"), ("AzureWebJobsStorage:clientId", "mi-client")));

        Assert.Equal(new Uri("https://acct.table.core.windows.net"), settings.TableServiceUri);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), settings.QueueServiceUri);
        Assert.Equal("mi-client", settings.ManagedIdentityClientId);
    }

    [Fact]
    public void Explicit_service_uris_win_over_the_account_name()
    {
        var settings = SettingsReader.Read(Config(
            ("AzureWebJobsStorage:accountName", "acct"),
            ("AzureWebJobsStorage:tableServiceUri", "https://tables.example.test")));

        Assert.Equal(new Uri("https://tables.example.test"), settings.TableServiceUri);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net"), settings.QueueServiceUri);
    }

    [Fact]
    public void A_connection_string_builds_a_shared_key_connection()
    {
        var settings = SettingsReader.Read(Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));

        var connection = settings.CreateStorageConnection(_ => throw new InvalidOperationException("No credential should be needed."));

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), connection.TableEndpoint);
        Assert.Equal(StorageConnection.DevelopmentAccountName, connection.SharedKey?.AccountName);
        Assert.Null(connection.TokenCredential);
    }

    [Fact]
    public void Identity_settings_build_a_token_connection_for_the_named_identity()
    {
        var settings = SettingsReader.Read(Config(("AzureWebJobsStorage:accountName", "acct"), ("AzureWebJobsStorage:clientId", "mi-client")));
        string? askedFor = null;
        var credential = new UnusedCredential();

        var connection = settings.CreateStorageConnection(clientId =>
        {
            askedFor = clientId;
            return credential;
        });

        Assert.Equal("mi-client", askedFor);
        Assert.Same(credential, connection.TokenCredential);
        Assert.Null(connection.SharedKey);
        Assert.Equal(new Uri("https://acct.table.core.windows.net"), connection.TableEndpoint);
    }

    [Fact]
    public void No_storage_settings_fail_with_guidance()
    {
        var settings = SettingsReader.Read(Config());

        var error = Assert.Throws<InvalidOperationException>(() => settings.CreateStorageConnection(_ => new UnusedCredential()));

        Assert.Contains("AzureWebJobsStorage", error.Message);
        Assert.Contains("accountName", error.Message);
    }

    [Fact]
    public void A_malformed_connection_string_fails_naming_the_setting()
    {
        var settings = SettingsReader.Read(Config(("AzureWebJobsStorage", "AccountName=acct")));

        var error = Assert.Throws<InvalidOperationException>(() => settings.CreateStorageConnection(_ => new UnusedCredential()));

        Assert.Contains("AzureWebJobsStorage", error.Message);
        Assert.IsType<FormatException>(error.InnerException);
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

    private sealed class UnusedCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Unit tests never fetch tokens.");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Unit tests never fetch tokens.");
    }
}
