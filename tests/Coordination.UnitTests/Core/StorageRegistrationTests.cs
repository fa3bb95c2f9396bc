using Azure.Identity;
using Coordination.Core.Configuration;
using Coordination.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.UnitTests.Core;

/// <summary>
/// The storage clients are registered from the settings the Functions host reads (nothing here sends a request: the
/// clients are only built and looked at).
/// </summary>
public sealed class StorageRegistrationTests
{
    [Fact]
    public void A_connection_string_builds_shared_key_clients_for_the_configured_table_and_queue()
    {
        using var services = Build(("AzureWebJobsStorage", "UseDevelopmentStorage=true"), ("Coordination:TableName", "swarms"), ("Coordination:WakeQueueName", "wake-up"));

        var storage = services.GetRequiredService<CoordinationStorage>();

        Assert.Equal("swarms", storage.Table.Name);
        Assert.Equal("devstoreaccount1", storage.Table.Client.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1/swarms"), storage.Table.Client.Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1/wake-up"), storage.WakeQueue.Client.Uri);
    }

    [Fact]
    public void Identity_settings_build_clients_for_the_service_uris_with_the_named_managed_identity()
    {
        using var services = Build(
            ("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://acct.queue.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-0000000000aa"));

        var storage = services.GetRequiredService<CoordinationStorage>();

        Assert.IsType<ManagedIdentityCredential>(services.GetRequiredService<Azure.Core.TokenCredential>());
        Assert.Equal(new Uri("https://acct.table.core.windows.net/coordination"), storage.Table.Client.Uri);
        Assert.Equal(new Uri("https://acct.queue.core.windows.net/coordination-wake"), storage.WakeQueue.Client.Uri);
    }

    [Fact]
    public void No_storage_settings_fail_on_first_use_naming_both_ways_to_configure_it()
    {
        using var services = Build();

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<CoordinationStorage>());

        Assert.Contains("AzureWebJobsStorage", error.Message);
        Assert.Contains("AzureWebJobsStorage__tableServiceUri", error.Message);
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", error.Message);
    }

    [Fact]
    public void A_malformed_connection_string_fails_naming_the_setting()
    {
        using var services = Build(("AzureWebJobsStorage", "AccountName=acct"));

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<CoordinationStorage>());

        Assert.Contains("AzureWebJobsStorage is not a valid storage connection string", error.Message);
    }

    private static ServiceProvider Build(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddCoordinationStorage(configuration, SettingsReader.Read(configuration));
        return services.BuildServiceProvider();
    }
}
